// The models already on this machine: the Hugging Face cache, Ollama's
// store, LM Studio's folders, llama.cpp's cache and folders the user adds,
// each described for a listing (architecture, size, shape, weight type, and
// whether attnviz runs it or why not) from headers and metadata only: no
// weights are read. Every walk is bounded (depth, entries visited) and every
// odd file (broken link, manifest pointing at a missing blob, unreadable
// JSON, a loop of links) becomes an unsupported row with a one-line reason.
//
//   auto listing = discoverModels(defaultDiscoveryRoots());
//   for (const DiscoveredModel& m : listing.models) show(m.name, m.supported, m.reason);
//   auto path = resolveModelReference("llama3.2:1b");   // what --model NAME opens
#pragma once

#include "attnviz/core/result.h"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

// One row of the listing.
struct DiscoveredModel {
    // "org/name" (Hugging Face), "name:tag" or "ns/name:tag" (Ollama),
    // "publisher/repo" or "publisher/repo/file" (LM Studio), the file's stem
    // (llama.cpp), the path under the added folder (folders).
    std::string name;
    std::string source;          // "huggingface", "ollama", "lmstudio", "llama.cpp", "folder"
    std::filesystem::path path;  // what to open: a model folder or a .gguf file
    std::string architecture;    // config.json model_type or GGUF general.architecture ("" unknown)
    std::optional<std::uint64_t> parameters;  // elements of all weight tensors
    std::optional<int> layers;
    std::optional<int> heads;
    std::optional<int> kvHeads;
    std::string dtype;           // "F32", "BF16", "Q4_K_M", ... ("" unknown)
    std::uint64_t bytes = 0;     // on disk, symlinks followed
    bool supported = false;
    // Unsupported: why, in one line. Supported: a note ("" or e.g. that there
    // is no tokenizer, so input is token ids).
    std::string reason;
};

// The folders looked in, per source.
struct DiscoveryRoots {
    std::vector<std::filesystem::path> huggingFace;  // hub folders holding models--org--name
    std::vector<std::filesystem::path> ollama;       // folders holding manifests/ and blobs/
    std::vector<std::filesystem::path> lmStudio;     // publisher/repo/*.gguf
    std::vector<std::filesystem::path> llamaCpp;     // *.gguf
    std::vector<std::filesystem::path> folders;      // added by the user: model folders, .gguf files, or folders of them
};

// The roots the environment names: HF_HUB_CACHE, else HF_HOME/hub, else
// ~/.cache/huggingface/hub; OLLAMA_MODELS, else ~/.ollama/models;
// ~/.lmstudio/models and ~/.cache/lm-studio/models; LLAMA_CACHE, else
// ~/.cache/llama.cpp; and `addedFolders`. Roots that do not exist are kept
// (the walk skips them quietly).
DiscoveryRoots defaultDiscoveryRoots(std::vector<std::filesystem::path> addedFolders = {});

struct DiscoveryOptions {
    int maxDepth = 6;                  // folder levels below an LM Studio, llama.cpp or added root
    std::size_t maxEntries = 50000;    // directory entries looked at, all roots together
    std::size_t maxModels = 5000;      // rows
    const std::atomic<bool>* cancel = nullptr;  // set: the walk stops and returns what it has
};

struct DiscoveryListing {
    std::vector<DiscoveredModel> models;  // by source (the order above), then name
    // Where the walk stopped early ("stopped after 50000 entries ...").
    std::vector<std::string> warnings;
};

DiscoveryListing discoverModels(const DiscoveryRoots& roots, const DiscoveryOptions& options = {});

// One model folder (config.json) or .gguf file, described as a row with the
// given name and source.
DiscoveredModel describeModelPath(const std::filesystem::path& path, std::string name, std::string source);

// The name the store holding `path` gives the model: "org/name" for a
// Hugging Face cache snapshot, "name:tag" for an Ollama blob (the first
// manifest naming it); "" when `path` is in neither. Loaded models take it
// as their name (rather than a revision hash or "sha256-...").
std::string storeModelName(const std::filesystem::path& path);

// What --model REFERENCE opens: an existing folder or file as given;
// otherwise the path of the listed model whose name is REFERENCE, or ends
// with "/" + REFERENCE, or whose file is REFERENCE (and REFERENCE + ":latest"
// for Ollama names without a tag), when exactly one matches (exact case
// first, then ignoring case). Unknown and ambiguous names give one line
// listing the close matches; an unsupported model gives its reason.
Result<std::filesystem::path> resolveModelReference(std::string_view reference,
                                                    const std::vector<DiscoveredModel>& models);
// The same against discoverModels(defaultDiscoveryRoots(addedFolders)),
// walked only when `reference` is not an existing path.
Result<std::filesystem::path> resolveModelReference(std::string_view reference,
                                                    const std::vector<std::filesystem::path>& addedFolders = {});

// For listings: a parameter count as people say it ("124M", "1.24B") and
// a file size ("548.1 MiB").
std::string parameterCountText(std::uint64_t n);
std::string fileSizeText(std::uint64_t bytes);

}  // namespace attnviz::core

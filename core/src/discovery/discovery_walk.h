// The parts of discoverModels: one bounded walk shared by every root, and
// the describers and walkers of each source.
#pragma once

#include "attnviz/core/model_discovery.h"

#include <filesystem>
#include <set>
#include <string>

namespace attnviz::core::discovery {

namespace fs = std::filesystem;

// One discoverModels call: the entries budget, the folders seen (loops and
// second paths to a folder are walked once), the rows.
class Walk {
public:
    explicit Walk(const DiscoveryOptions& options) : m_options(options) {}

    // Counts one directory entry looked at under `root`. False once the
    // budget is spent or the caller cancelled (the first time the budget
    // runs out, a warning naming `root`).
    bool step(const fs::path& root);
    bool stopped() const;
    // True the first time `dir` (resolved through links) is seen.
    bool firstVisit(const fs::path& dir);
    // Adds a row unless one of that path and name is listed already or the
    // rows are full.
    void add(DiscoveredModel model);
    int maxDepth() const { return m_options.maxDepth; }
    DiscoveryListing take() { return std::move(m_listing); }

private:
    DiscoveryOptions m_options;
    DiscoveryListing m_listing;
    std::size_t m_entries = 0;
    bool m_budgetWarned = false;
    bool m_fullWarned = false;
    std::set<std::string> m_visited;
    std::set<std::string> m_paths;
};

// "'path'" as messages quote paths.
std::string quoted(const fs::path& path);
// A symlink whose target does not exist.
bool isBrokenLink(const fs::path& path);
// Bytes of a file, or of the files under a folder (links followed, at most
// a few levels and a few thousand entries; broken links count 0).
std::uint64_t bytesOnDisk(const fs::path& path);
// "org/name" from "models--org--name" ("" when the folder is not one).
std::string hubRepoName(const std::string& folderName);

// A Hugging Face model folder (config.json, safetensors).
DiscoveredModel describeModelFolder(const fs::path& dir, std::string name, std::string source);
// One .gguf file (or an Ollama blob).
DiscoveredModel describeGgufFile(const fs::path& file, std::string name, std::string source);
// A row that is only a path and why it cannot be opened.
DiscoveredModel unsupportedRow(const fs::path& path, std::string name, std::string source, std::string reason);

// models--org--name: the snapshot refs/main names (else the newest), as a
// model folder, or its .gguf files when it holds no config.json.
void addHubRepo(const fs::path& repoDir, const std::string& name, const std::string& source, Walk& walk);
// Every models--* folder of a hub.
void walkHuggingFaceHub(const fs::path& hub, Walk& walk);
// manifests/<registry>/<namespace>/<name>/<tag> and their model blobs.
void walkOllamaStore(const fs::path& root, Walk& walk);
// The display name of the first manifest (sorted) whose model layer is
// `blob` ("" for none).
std::string ollamaNameOfBlob(const fs::path& root, const fs::path& blob, Walk& walk);
// Model folders, .gguf files and hub repos under `root` (depth-bounded).
// Names are paths relative to `root` (.gguf dropped; a folder holding one
// .gguf is named by the folder); `root` itself is named by its file name.
void walkModelTree(const fs::path& root, const std::string& source, Walk& walk);

}  // namespace attnviz::core::discovery

// Model stores as other tools leave them on disk, for discovery tests: a
// Hugging Face cache repository (blobs, snapshots of symlinks, refs/main)
// and Ollama manifests.
#pragma once

#include <filesystem>
#include <string>

namespace attnviz::test {

// Writes `text` to `path`, creating its folders.
void writeText(const std::filesystem::path& path, const std::string& text);

// hub/models--<org>--<name>: config.json and model.safetensors of `fixture`
// as blobs, snapshot `revision` linking to them, refs/main naming it.
// Returns the snapshot folder.
std::filesystem::path writeHfCacheRepo(const std::filesystem::path& hub, const std::string& org,
                                       const std::string& name, const std::filesystem::path& fixture,
                                       const std::string& revision);

// An Ollama manifest (registry.ollama.ai/<ns>/<name>/<tag>) whose model
// layer is the blob of sha256 `digestHex`.
void writeOllamaManifest(const std::filesystem::path& store, const std::string& ns, const std::string& name,
                         const std::string& tag, const std::string& digestHex);

}  // namespace attnviz::test

#include "support/fake_model_store.h"

#include <fstream>

namespace attnviz::test {

namespace fs = std::filesystem;

void writeText(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

fs::path writeHfCacheRepo(const fs::path& hub, const std::string& org, const std::string& name,
                          const fs::path& fixture, const std::string& revision) {
    const fs::path repo = hub / ("models--" + org + "--" + name);
    fs::create_directories(repo / "blobs");
    fs::copy_file(fixture / "config.json", repo / "blobs" / (revision + "-config"), fs::copy_options::overwrite_existing);
    fs::copy_file(fixture / "model.safetensors", repo / "blobs" / (revision + "-weights"),
                  fs::copy_options::overwrite_existing);
    const fs::path snapshot = repo / "snapshots" / revision;
    fs::create_directories(snapshot);
    fs::create_symlink("../../blobs/" + revision + "-config", snapshot / "config.json");
    fs::create_symlink("../../blobs/" + revision + "-weights", snapshot / "model.safetensors");
    writeText(repo / "refs/main", revision);
    return snapshot;
}

void writeOllamaManifest(const fs::path& store, const std::string& ns, const std::string& name, const std::string& tag,
                         const std::string& digestHex) {
    writeText(store / "manifests/registry.ollama.ai" / ns / name / tag,
              R"({"layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"sha256:)" + digestHex +
                  R"("}]})");
}

}  // namespace attnviz::test

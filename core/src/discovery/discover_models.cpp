// Where each tool keeps its models, and the walk over all of them.
#include "discovery/discovery_walk.h"

#include <algorithm>
#include <cstdlib>

namespace attnviz::core {

namespace fs = std::filesystem;

namespace {

// The variable's value, or "" when unset.
std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v == nullptr ? std::string() : std::string(v);
}

int sourceRank(const std::string& source) {
    static const char* kOrder[] = {"huggingface", "ollama", "lmstudio", "llama.cpp", "folder"};
    for (int i = 0; i < 5; ++i) {
        if (source == kOrder[i]) return i;
    }
    return 5;
}

}  // namespace

DiscoveryRoots defaultDiscoveryRoots(std::vector<fs::path> addedFolders) {
    DiscoveryRoots roots;
    const std::string home = env("HOME");
    const auto underHome = [&](const char* rel) { return home.empty() ? fs::path() : fs::path(home) / rel; };
    auto keep = [](std::vector<fs::path>& list, const fs::path& p) {
        if (!p.empty()) list.push_back(p);
    };

    if (const std::string hub = env("HF_HUB_CACHE"); !hub.empty()) {
        keep(roots.huggingFace, hub);
    } else if (const std::string hfHome = env("HF_HOME"); !hfHome.empty()) {
        keep(roots.huggingFace, fs::path(hfHome) / "hub");
    } else {
        keep(roots.huggingFace, underHome(".cache/huggingface/hub"));
    }
    const std::string ollama = env("OLLAMA_MODELS");
    keep(roots.ollama, ollama.empty() ? underHome(".ollama/models") : fs::path(ollama));
    keep(roots.lmStudio, underHome(".lmstudio/models"));
    keep(roots.lmStudio, underHome(".cache/lm-studio/models"));
    const std::string llama = env("LLAMA_CACHE");
    keep(roots.llamaCpp, llama.empty() ? underHome(".cache/llama.cpp") : fs::path(llama));
    roots.folders = std::move(addedFolders);
    return roots;
}

DiscoveryListing discoverModels(const DiscoveryRoots& roots, const DiscoveryOptions& options) {
    discovery::Walk walk(options);
    for (const fs::path& hub : roots.huggingFace) discovery::walkHuggingFaceHub(hub, walk);
    for (const fs::path& store : roots.ollama) discovery::walkOllamaStore(store, walk);
    for (const fs::path& root : roots.lmStudio) discovery::walkModelTree(root, "lmstudio", walk);
    for (const fs::path& root : roots.llamaCpp) discovery::walkModelTree(root, "llama.cpp", walk);
    std::vector<std::string> missing;
    for (const fs::path& root : roots.folders) {
        std::error_code ec;
        if (!fs::exists(fs::symlink_status(root, ec))) {
            missing.push_back("the added folder " + discovery::quoted(root) + " does not exist");
            continue;
        }
        discovery::walkModelTree(root, "folder", walk);
    }
    DiscoveryListing listing = walk.take();
    listing.warnings.insert(listing.warnings.begin(), missing.begin(), missing.end());
    std::stable_sort(listing.models.begin(), listing.models.end(),
                     [](const DiscoveredModel& a, const DiscoveredModel& b) {
                         const int ra = sourceRank(a.source);
                         const int rb = sourceRank(b.source);
                         return ra != rb ? ra < rb : a.name < b.name;
                     });
    return listing;
}

std::string storeModelName(const fs::path& path) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec);
    if (ec) return {};
    absolute = absolute.lexically_normal();
    const fs::path parent = absolute.parent_path();
    if (parent.filename() == "snapshots") {
        if (std::string repo = discovery::hubRepoName(parent.parent_path().filename().string()); !repo.empty()) {
            return repo;
        }
    }
    if (parent.filename() == "blobs") {
        DiscoveryOptions bounded;
        bounded.maxEntries = 10000;
        discovery::Walk walk(bounded);
        return discovery::ollamaNameOfBlob(parent.parent_path(), absolute, walk);
    }
    return {};
}

DiscoveredModel describeModelPath(const fs::path& path, std::string name, std::string source) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) return discovery::describeModelFolder(path, std::move(name), std::move(source));
    return discovery::describeGgufFile(path, std::move(name), std::move(source));
}

}  // namespace attnviz::core

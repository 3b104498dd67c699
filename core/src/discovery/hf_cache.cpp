// The Hugging Face hub cache: models--org--name/{refs/main, snapshots/<rev>/,
// blobs/}, the snapshot's files being links into blobs/.
#include "discovery/discovery_walk.h"

#include <algorithm>
#include <fstream>
#include <vector>

namespace attnviz::core::discovery {

namespace {

// The revision refs/<ref> names ("" when absent or not a plain hash).
std::string readRef(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > 256) return {};
    std::ifstream in(file);
    std::string rev;
    std::getline(in, rev);
    while (!rev.empty() && (rev.back() == '\r' || rev.back() == ' ' || rev.back() == '\n')) rev.pop_back();
    for (char c : rev) {
        const bool plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           c == '-' || c == '_' || c == '.';
        if (!plain || rev == "." || rev == "..") return {};
    }
    return rev;
}

// The snapshot to list: the one refs/main names, else the most recently
// written one. Empty when there is none.
fs::path chooseSnapshot(const fs::path& repoDir, Walk& walk) {
    std::error_code ec;
    const fs::path snapshots = repoDir / "snapshots";
    if (const std::string rev = readRef(repoDir / "refs" / "main"); !rev.empty()) {
        if (fs::is_directory(snapshots / rev, ec)) return snapshots / rev;
    }
    fs::path newest;
    fs::file_time_type newestTime{};
    for (fs::directory_iterator it(snapshots, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!walk.step(snapshots)) break;
        std::error_code sec;
        if (!it->is_directory(sec)) continue;
        const auto t = fs::last_write_time(it->path(), sec);
        if (sec) continue;
        if (newest.empty() || t > newestTime) {
            newest = it->path();
            newestTime = t;
        }
    }
    return newest;
}

// The .gguf files directly in a snapshot (GGUF repositories have no config.json).
std::vector<fs::path> ggufFilesIn(const fs::path& dir, Walk& walk) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!walk.step(dir)) break;
        if (it->path().extension() == ".gguf") out.push_back(it->path());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

void addHubRepo(const fs::path& repoDir, const std::string& name, const std::string& source, Walk& walk) {
    std::error_code ec;
    const fs::path snapshot = chooseSnapshot(repoDir, walk);
    if (snapshot.empty()) {
        walk.add(unsupportedRow(repoDir, name, source,
                                "no snapshot in " + quoted(repoDir / "snapshots") + " (an interrupted download?)"));
        return;
    }
    const fs::path config = snapshot / "config.json";
    if (fs::exists(fs::symlink_status(config, ec)) || isBrokenLink(config)) {
        walk.add(describeModelFolder(snapshot, name, source));
        return;
    }
    const std::vector<fs::path> ggufs = ggufFilesIn(snapshot, walk);
    if (ggufs.empty()) {
        walk.add(unsupportedRow(snapshot, name, source,
                                "no config.json and no .gguf file in " + quoted(snapshot) +
                                    " (only part of the repository was downloaded?)"));
        return;
    }
    for (const fs::path& file : ggufs) {
        if (walk.stopped()) return;
        walk.add(describeGgufFile(file, ggufs.size() == 1 ? name : name + "/" + file.stem().string(), source));
    }
}

void walkHuggingFaceHub(const fs::path& hub, Walk& walk) {
    std::error_code ec;
    if (!fs::is_directory(hub, ec) || !walk.firstVisit(hub)) return;
    std::vector<fs::path> repos;
    for (fs::directory_iterator it(hub, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!walk.step(hub)) break;
        if (!hubRepoName(it->path().filename().string()).empty()) repos.push_back(it->path());
    }
    std::sort(repos.begin(), repos.end());
    for (const fs::path& repo : repos) {
        if (walk.stopped()) return;
        if (!fs::is_directory(repo, ec) || !walk.firstVisit(repo)) continue;
        addHubRepo(repo, hubRepoName(repo.filename().string()), "huggingface", walk);
    }
}

}  // namespace attnviz::core::discovery

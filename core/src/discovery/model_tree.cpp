// Folders of models of any layout (LM Studio's publisher/repo/*.gguf,
// llama.cpp's flat cache, folders the user adds): model folders, .gguf
// files and hub repositories, found by a walk bounded in depth and entries,
// each folder visited once however many links lead to it.
#include "discovery/discovery_walk.h"

#include <algorithm>
#include <vector>

namespace attnviz::core::discovery {

namespace {

bool isGgufName(const fs::path& p) { return p.extension() == ".gguf"; }

// `rel` + "/" + `part`, or `part` alone at the root.
std::string joined(const std::string& rel, const std::string& part) { return rel.empty() ? part : rel + "/" + part; }

void visit(const fs::path& dir, const std::string& rel, int depth, const std::string& source, Walk& walk) {
    std::error_code ec;
    if (walk.stopped() || !walk.firstVisit(dir)) return;
    const std::string folderName = dir.filename().string();
    const std::string name = rel.empty() ? folderName : rel;
    if (const std::string repo = hubRepoName(folderName); !repo.empty() && fs::is_directory(dir / "snapshots", ec)) {
        addHubRepo(dir, rel.empty() ? repo : joined(fs::path(rel).parent_path().generic_string(), repo), source, walk);
        return;
    }
    const fs::path config = dir / "config.json";
    if (fs::exists(config, ec) || isBrokenLink(config)) {
        walk.add(describeModelFolder(dir, name, source));
        return;
    }
    std::vector<fs::path> ggufs;
    std::vector<fs::path> folders;
    for (fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (!walk.step(dir)) return;
        const fs::path& p = it->path();
        const std::string file = p.filename().string();
        if (file.empty() || file.front() == '.') continue;
        std::error_code sec;
        if (isGgufName(p) && (it->is_regular_file(sec) || isBrokenLink(p))) {
            ggufs.push_back(p);
        } else if (it->is_directory(sec) && depth < walk.maxDepth()) {
            folders.push_back(p);
        }
    }
    std::sort(ggufs.begin(), ggufs.end());
    std::sort(folders.begin(), folders.end());
    for (const fs::path& file : ggufs) {
        if (walk.stopped()) return;
        const std::string stem = file.stem().string();
        const std::string fileName = ggufs.size() == 1 && !rel.empty() ? rel : joined(rel, stem);
        walk.add(describeGgufFile(file, fileName, source));
    }
    for (const fs::path& sub : folders) visit(sub, joined(rel, sub.filename().string()), depth + 1, source, walk);
}

}  // namespace

void walkModelTree(const fs::path& root, const std::string& source, Walk& walk) {
    std::error_code ec;
    const fs::file_status st = fs::status(root, ec);
    if (ec) {
        if (isBrokenLink(root)) walk.add(unsupportedRow(root, root.filename().string(), source,
                                                        quoted(root) + " is a broken link"));
        return;
    }
    if (fs::is_regular_file(st)) {
        if (isGgufName(root)) {
            walk.add(describeGgufFile(root, root.stem().string(), source));
        } else {
            walk.add(unsupportedRow(root, root.filename().string(), source,
                                    quoted(root) + " is neither a model folder nor a .gguf file"));
        }
        return;
    }
    if (fs::is_directory(st)) visit(root, {}, 0, source, walk);
}

}  // namespace attnviz::core::discovery

#include "discovery/discovery_walk.h"

#include <algorithm>

namespace attnviz::core::discovery {

namespace {

// bytesOnDisk's own bounds: a model folder has a few files, at most a
// subfolder or two (onnx/, tokenizer/).
constexpr int kMaxBytesDepth = 3;
constexpr std::size_t kMaxBytesEntries = 5000;

std::string resolvedKey(const fs::path& path) {
    std::error_code ec;
    const fs::path canonical = fs::canonical(path, ec);
    return (ec ? fs::absolute(path, ec).lexically_normal() : canonical).string();
}

void addBytes(const fs::path& dir, int depth, std::size_t& entries, std::uint64_t& total) {
    std::error_code ec;
    fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
        if (++entries > kMaxBytesEntries) return;
        const fs::path& p = it->path();
        std::error_code sec;
        const fs::file_status st = fs::status(p, sec);  // follows links
        if (sec) continue;                               // broken link, unreadable
        if (fs::is_regular_file(st)) {
            const std::uintmax_t size = fs::file_size(p, sec);
            if (!sec) total += size;
        } else if (fs::is_directory(st) && depth < kMaxBytesDepth && !fs::is_symlink(it->symlink_status(sec))) {
            addBytes(p, depth + 1, entries, total);
        }
    }
}

}  // namespace

bool Walk::step(const fs::path& root) {
    if (stopped()) return false;
    if (++m_entries <= m_options.maxEntries) return true;
    if (!m_budgetWarned) {
        m_budgetWarned = true;
        m_listing.warnings.push_back("stopped looking for models after " + std::to_string(m_options.maxEntries) +
                                     " folder entries (in " + quoted(root) + "); the listing may be incomplete");
    }
    return false;
}

bool Walk::stopped() const {
    return m_entries > m_options.maxEntries || m_listing.models.size() >= m_options.maxModels ||
           (m_options.cancel != nullptr && m_options.cancel->load());
}

bool Walk::firstVisit(const fs::path& dir) { return m_visited.insert(resolvedKey(dir)).second; }

void Walk::add(DiscoveredModel model) {
    if (m_listing.models.size() >= m_options.maxModels) {
        if (!m_fullWarned) {
            m_fullWarned = true;
            m_listing.warnings.push_back("listed the first " + std::to_string(m_options.maxModels) +
                                         " models only");
        }
        return;
    }
    // The same model reached twice (an added folder inside a store) is
    // listed once; two names of one file (Ollama tags sharing a blob) both.
    if (!m_paths.insert(resolvedKey(model.path) + '\n' + model.name).second) return;
    m_listing.models.push_back(std::move(model));
}

std::string quoted(const fs::path& path) { return "'" + path.string() + "'"; }

bool isBrokenLink(const fs::path& path) {
    std::error_code ec;
    return fs::is_symlink(fs::symlink_status(path, ec)) && !fs::exists(path, ec);
}

std::uint64_t bytesOnDisk(const fs::path& path) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec) return 0;
    if (fs::is_regular_file(st)) {
        const std::uintmax_t size = fs::file_size(path, ec);
        return ec ? 0 : size;
    }
    std::uint64_t total = 0;
    std::size_t entries = 0;
    if (fs::is_directory(st)) addBytes(path, 0, entries, total);
    return total;
}

std::string hubRepoName(const std::string& folderName) {
    const std::string prefix = "models--";
    if (folderName.rfind(prefix, 0) != 0 || folderName.size() == prefix.size()) return {};
    std::string rest = folderName.substr(prefix.size());
    // The hub writes repo ids with "/" as "--" (and forbids "--" in names).
    std::string name;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest.compare(i, 2, "--") == 0) {
            name += '/';
            ++i;
        } else {
            name += rest[i];
        }
    }
    return name;
}

DiscoveredModel unsupportedRow(const fs::path& path, std::string name, std::string source, std::string reason) {
    DiscoveredModel row;
    row.name = std::move(name);
    row.source = std::move(source);
    row.path = path;
    row.bytes = bytesOnDisk(path);
    row.supported = false;
    row.reason = std::move(reason);
    return row;
}

}  // namespace attnviz::core::discovery

#include "json_file.h"

#include <fstream>
#include <sstream>

namespace attnviz::core {

Result<nlohmann::json> readJsonFile(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return makeError("cannot read '" + path.string() + "': " + ec.message());
    if (size > kMaxJsonFileBytes) {
        return makeError("'" + path.string() + "' is " + std::to_string(size) + " bytes, larger than the " +
                         std::to_string(kMaxJsonFileBytes) + "-byte limit for JSON files");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError("cannot open '" + path.string() + "'");
    std::ostringstream text;
    text << in.rdbuf();
    try {
        return nlohmann::json::parse(text.str());
    } catch (const nlohmann::json::exception& e) {
        return makeError("'" + path.string() + "' is not valid JSON: " + e.what());
    }
}

}  // namespace attnviz::core

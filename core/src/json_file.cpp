#include "json_file.h"

#include "out_of_memory.h"

#include <fstream>
#include <sstream>

namespace attnviz::core {

Result<nlohmann::json> readJsonFile(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot read '" + path.string() + "': " + ec.message());
    // No config or vocabulary file comes near the limit: a larger one is not
    // the file it is named as.
    if (size > kMaxJsonFileBytes) {
        return makeError(ErrorCode::CorruptFile, "'" + path.string() + "' is " + std::to_string(size) +
                                                     " bytes, larger than the " + std::to_string(kMaxJsonFileBytes) +
                                                     "-byte limit for JSON files");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot open '" + path.string() + "'");
    // Parsing takes several times the file's size.
    const std::string what = "parsing '" + path.string() + "' (" + byteSizeText(size) + ")";
    return guardAllocation(what, std::nullopt, [&]() -> Result<nlohmann::json> {
        std::ostringstream text;
        text << in.rdbuf();
        try {
            return nlohmann::json::parse(text.str());
        } catch (const nlohmann::json::exception& e) {
            return makeError(ErrorCode::CorruptFile, "'" + path.string() + "' is not valid JSON: " + e.what());
        }
    });
}

}  // namespace attnviz::core

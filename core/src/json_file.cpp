#include "json_file.h"

#include "out_of_memory.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace attnviz::core {

int jsonNestingDepth(std::string_view text, int limit) {
    int depth = 0;
    int deepest = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;  // the escaped character, whatever it is
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        if (c == '"') {
            inString = true;
        } else if (c == '[' || c == '{') {
            deepest = std::max(deepest, ++depth);
            if (deepest > limit) return deepest;
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return deepest;
}

Result<nlohmann::json> parseJsonText(std::string_view text, const std::string& source) {
    if (jsonNestingDepth(text) > kMaxJsonDepth) {
        return makeError(ErrorCode::CorruptFile,
                         source + " is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
    }
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return makeError(ErrorCode::CorruptFile, source + " is not valid JSON: " + e.what());
    }
}

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
        return parseJsonText(text.str(), "'" + path.string() + "'");
    });
}

}  // namespace attnviz::core

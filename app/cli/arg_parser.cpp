#include "arg_parser.h"

#include <charconv>
#include <limits>

namespace attnviz::cli {

using core::ErrorCode;
using core::makeError;

core::Result<ArgParser> ArgParser::parse(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
    ArgParser p;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs) {
            if (s.name == a) spec = &s;
        }
        if (spec == nullptr) return makeError(ErrorCode::InvalidInput, "unknown option '" + a + "' (see --help)");
        if (p.has(a)) return makeError(ErrorCode::InvalidInput, "option '" + a + "' given twice");
        if (!spec->takesValue) {
            p.m_flags.insert(a);
            continue;
        }
        if (i + 1 >= args.size()) return makeError(ErrorCode::InvalidInput, "option '" + a + "' needs a value");
        p.m_values[a] = args[++i];
    }
    return p;
}

std::optional<std::string> ArgParser::value(const std::string& name) const {
    auto it = m_values.find(name);
    if (it == m_values.end()) return std::nullopt;
    return it->second;
}

core::Result<std::string> ArgParser::required(const std::string& name) const {
    auto v = value(name);
    if (!v) return makeError(ErrorCode::InvalidInput, "missing required option " + name);
    return *v;
}

core::Result<int> ArgParser::intValue(const std::string& name, int fallback, int min, int max) const {
    auto v = value(name);
    if (!v) return fallback;
    int x = 0;
    const auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
    if (ec != std::errc() || ptr != v->data() + v->size() || x < min || x > max) {
        return makeError(ErrorCode::InvalidInput, name + " must be an integer from " + std::to_string(min) + " to " +
                                                      std::to_string(max) + ", got '" + *v + "'");
    }
    return x;
}

core::Result<std::vector<int>> parseIntList(const std::string& text, const std::string& option) {
    std::vector<int> out;
    std::size_t pos = 0;
    while (pos <= text.size()) {
        const std::size_t comma = text.find(',', pos);
        const std::string item = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        std::size_t b = item.find_first_not_of(" \t");
        std::size_t e = item.find_last_not_of(" \t");
        const std::string trimmed = b == std::string::npos ? "" : item.substr(b, e - b + 1);
        int x = 0;
        const auto [ptr, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), x);
        if (ec == std::errc::result_out_of_range && ptr == trimmed.data() + trimmed.size()) {
            return makeError(ErrorCode::InvalidInput, option + ": " + trimmed + " is out of range (at most " +
                                                          std::to_string(std::numeric_limits<int>::max()) + ")");
        }
        if (trimmed.empty() || ec != std::errc() || ptr != trimmed.data() + trimmed.size()) {
            return makeError(ErrorCode::InvalidInput, option + ": '" + trimmed +
                                                          "' is not an integer (expected a comma-separated list like "
                                                          "1,2,3)");
        }
        out.push_back(x);
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return out;
}

}  // namespace attnviz::cli

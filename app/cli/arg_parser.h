// Command-line options of one subcommand: "--name value" pairs and flags,
// checked against the options the command declares.
#pragma once

#include "attnviz/core/result.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace attnviz::cli {

struct OptionSpec {
    std::string name;   // "--model", "-o"
    bool takesValue = true;
};

class ArgParser {
public:
    static core::Result<ArgParser> parse(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

    bool has(const std::string& name) const { return m_values.count(name) || m_flags.count(name); }
    std::optional<std::string> value(const std::string& name) const;
    core::Result<std::string> required(const std::string& name) const;
    core::Result<int> intValue(const std::string& name, int fallback, int min, int max) const;

private:
    std::map<std::string, std::string> m_values;
    std::set<std::string> m_flags;
};

// "1,2,3" -> {1, 2, 3}; errors name the option and the bad item.
core::Result<std::vector<int>> parseIntList(const std::string& text, const std::string& option);

}  // namespace attnviz::cli

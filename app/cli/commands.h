// The subcommands of attnviz-cli. Each returns the process exit code and
// reports errors through fail().
#pragma once

#include <string>
#include <vector>

namespace attnviz::cli {

int runTokens(const std::vector<std::string>& args);
int runAttention(const std::vector<std::string>& args);
int runGenerate(const std::vector<std::string>& args);
int runAnalyze(const std::vector<std::string>& args);
int runExplain(const std::vector<std::string>& args);
int runPredict(const std::vector<std::string>& args);
int runBench(const std::vector<std::string>& args);
// bench --typing FILE: FILE's text typed one character at a time (bench_typing.cpp).
int runTypingBench(const std::vector<std::string>& args);
int runMakeModel(const std::vector<std::string>& args);
int runModels(const std::vector<std::string>& args);
// Only in builds with the GUI (ATTNVIZ_BUILD_GUI): it draws with attnviz_ui.
int runExport(const std::vector<std::string>& args);

// Prints "attnviz-cli: error: <message>" as one line on stderr; returns 1.
int fail(const std::string& message);
// Prints "attnviz-cli: warning: <message>" as one line on stderr.
void warn(const std::string& message);

}  // namespace attnviz::cli

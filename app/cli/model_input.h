// The options every command that runs a model shares (--model, --mask,
// --text/--pair or --ids/--token-types, --global), turned into a core::Session and the
// tokens to run on.
#pragma once

#include "arg_parser.h"

#include "attnviz/core/session.h"
#include "attnviz/core/trace_file.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnviz::cli {

// --model: a model folder, a .gguf file, or a name `attnviz-cli models`
// lists (core::resolveModelReference), as the path to open.
core::Result<std::string> modelPath(const ArgParser& args);

// Options every command that takes input accepts.
std::vector<OptionSpec> inputOptions();
// The text of a file (up to 1 MiB; errors name it as `option` 'path').
core::Result<std::string> readTextFile(const std::string& path, const std::string& option = "--text-file");
// --text or --text-file (up to 1 MiB) was given.
bool hasTextInput(const ArgParser& args);

// --text/--pair through `tokenizer`, or --ids/--token-types (named by the
// tokenizer when there is one; `tokenizer` may be null).
core::Result<std::vector<core::Token>> readTokens(const ArgParser& args, const core::Tokenizer* tokenizer);

// A model folder opened for one command.
struct CliSession {
    std::shared_ptr<core::Session> session;
    std::vector<core::Token> tokens;
    core::MaskMode mask;
    // --global 0,5 (Longformer); nullopt: the model's default.
    std::optional<std::vector<int>> globalTokens;
    bool fromText = false;
};

core::Result<CliSession> openSession(const ArgParser& args);

// --trace FILE: a trace file (docs/trace-format.md) instead of a run. The
// file fixes the model, the tokens and the mask, so the options that choose
// them are refused.
struct CliTrace {
    core::TraceFile file;
    std::shared_ptr<const core::RunResult> result;  // core::runResultFromTrace
};
core::Result<CliTrace> openTrace(const ArgParser& args);

}  // namespace attnviz::cli

// Turns --text/--pair or --ids/--token-types into the tokens a command runs on.
#pragma once

#include "arg_parser.h"

#include "attnviz/core/model.h"
#include "attnviz/core/tokenizer.h"

#include <memory>
#include <string>
#include <vector>

namespace attnviz::cli {

struct ModelInput {
    std::vector<core::Token> tokens;   // ids, pieces, display, spans, types
    bool fromText = false;

    std::vector<std::int32_t> ids() const;
    std::vector<std::int32_t> typeIds() const;
    std::vector<std::string> displayTexts() const;
};

// Options every command that takes input accepts.
std::vector<OptionSpec> inputOptions();

// `tokenizer` may be null; then only --ids works.
core::Result<ModelInput> readInput(const ArgParser& args, const core::Tokenizer* tokenizer);

// A model folder opened for one run: --model, --mask and the input options.
struct ModelRun {
    std::unique_ptr<core::Model> model;
    std::unique_ptr<core::Tokenizer> tokenizer;  // null when the folder has none
    ModelInput input;
    core::RunOptions options;  // mask and token types set
};

core::Result<ModelRun> openModelRun(const ArgParser& args);

}  // namespace attnviz::cli

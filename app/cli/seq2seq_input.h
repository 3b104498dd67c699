// The input of the commands that run an encoder-decoder folder (attention,
// generate): the session, the source (--text/--text-file or --ids), the
// decoder input (--target, teacher-forced, or --decoder-ids) and the masks
// (--mask: encoder self-attention, --decoder-mask: decoder self-attention).
#pragma once

#include "arg_parser.h"

#include "attnviz/core/seq2seq_session.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace attnviz::cli {

// The options only encoder-decoder runs take.
std::vector<OptionSpec> seq2seqOptions();
// Names the first of them given to a decoder-only model, "" when none is.
std::string seq2seqOnlyOption(const ArgParser& args);

struct CliSeq2Seq {
    std::shared_ptr<core::Seq2SeqSession> session;
    std::vector<core::Token> source;
    std::optional<std::vector<core::Token>> decoder;  // nullopt: generate
    core::MaskMode encoderMask;
    core::MaskMode decoderMask;
};

// `dir` is an encoder-decoder folder (core::isSeq2SeqFolder).
core::Result<CliSeq2Seq> openSeq2Seq(const ArgParser& args, const std::string& dir);

// --max-new-tokens, --temperature, --top-k, --seed (defaults: 20, greedy).
core::Result<core::GenerateOptions> generateOptions(const ArgParser& args);

}  // namespace attnviz::cli

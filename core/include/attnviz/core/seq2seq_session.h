// An encoder-decoder folder opened for runs: the model, the source-side and
// target-side tokenizers (Marian's differ), and how a source and an optional
// target become a run: with a target, the decoder is teacher-forced on it
// as Hugging Face does with `labels`; without one, the model generates and
// the run is the teacher-forced pass over what it generated.
//
//   auto session = Seq2SeqSession::open("t5-small");
//   auto source = (*session)->sourceTokens("translate English to German: Hello.");
//   auto decoder = (*session)->decoderTokens("Hallo.");   // start token + labels[:-1]
//   auto result = (*session)->run(*source, *decoder, {});
//   result->trace.cross.probs(layer, head);               // (T, S)
#pragma once

#include "attnviz/core/generation.h"
#include "attnviz/core/result.h"
#include "attnviz/core/seq2seq_model.h"
#include "attnviz/core/tokenizer.h"

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace attnviz::core {

struct Seq2SeqRunResult {
    std::shared_ptr<const Seq2SeqModel> model;
    std::string modelName;
    std::string modelType;
    std::vector<Token> sourceTokens;   // the encoder's input
    std::vector<Token> decoderTokens;  // the decoder's input (start token first)
    Seq2SeqTrace trace;
    // Set when the decoder input was generated (no target given): the steps
    // with their candidates; the trace is the teacher-forced pass over it.
    std::shared_ptr<const Seq2SeqGeneration> generation;
};

class Seq2SeqSession {
public:
    static Result<std::shared_ptr<Seq2SeqSession>> open(const std::filesystem::path& dir, const ProgressFn& progress = {});

    const Seq2SeqModel& model() const { return *m_model; }
    const std::shared_ptr<const Seq2SeqModel>& modelPtr() const { return m_model; }
    // Null when the folder has none (tokenizerProblem() says why): input is
    // then typed as ids.
    const Tokenizer* sourceTokenizer() const { return m_source.get(); }
    const Tokenizer* targetTokenizer() const { return m_target.get(); }
    const std::string& tokenizerProblem() const { return m_tokenizerProblem; }
    const std::vector<std::string>& warnings() const { return m_warnings; }
    const std::string& name() const { return m_model->name(); }

    // The source text with the tokenizer's special tokens (T5, Marian:
    // "</s>" appended; BART: "<s> ... </s>").
    Result<std::vector<Token>> sourceTokens(std::string_view text) const;
    // The decoder input of teacher forcing on `target`: the start token,
    // then the target's ids with special tokens (the labels) without the last.
    Result<std::vector<Token>> decoderTokens(std::string_view target) const;
    // Typed ids named by the source or target tokenizer ("#id" without one).
    Result<std::vector<Token>> sourceTokensFromIds(std::span<const std::int32_t> ids) const;
    Result<std::vector<Token>> decoderTokensFromIds(std::span<const std::int32_t> ids) const;
    // The target side's readable form of a generated id.
    std::string targetText(std::int32_t id) const;

    // Teacher-forced run of the given tokens.
    Result<std::shared_ptr<const Seq2SeqRunResult>> run(const std::vector<Token>& source,
                                                        const std::vector<Token>& decoder,
                                                        const Seq2SeqRunOptions& options) const;
    // Generates from `source`, then runs the teacher-forced pass over the
    // generated decoder input (so every view has whole matrices).
    Result<std::shared_ptr<const Seq2SeqRunResult>> generate(const std::vector<Token>& source,
                                                             const GenerateOptions& generateOptions,
                                                             const Seq2SeqRunOptions& runOptions) const;

private:
    Seq2SeqSession() = default;

    std::shared_ptr<const Seq2SeqModel> m_model;
    std::shared_ptr<const Tokenizer> m_source;
    std::shared_ptr<const Tokenizer> m_target;
    std::string m_tokenizerProblem;
    std::vector<std::string> m_warnings;
};

}  // namespace attnviz::core

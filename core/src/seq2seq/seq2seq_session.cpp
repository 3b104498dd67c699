#include "attnviz/core/seq2seq_session.h"

#include "attnviz/core/session.h"

namespace attnviz::core {

Result<std::shared_ptr<Seq2SeqSession>> Seq2SeqSession::open(const std::filesystem::path& dir,
                                                             const ProgressFn& progress) {
    auto model = loadSeq2SeqModel(dir, progress);
    if (!model) return model.takeError();
    std::shared_ptr<Seq2SeqSession> session(new Seq2SeqSession());
    session->m_model = std::shared_ptr<const Seq2SeqModel>(std::move(model.value()));
    session->m_warnings = session->m_model->loadWarnings();
    auto source = loadTokenizer(dir);
    if (!source) {
        session->m_tokenizerProblem = source.error();
        return session;
    }
    auto target = loadTargetTokenizer(dir);
    if (!target) {
        session->m_tokenizerProblem = target.error();
        return session;
    }
    session->m_source = std::shared_ptr<const Tokenizer>(std::move(source.value()));
    session->m_target = std::shared_ptr<const Tokenizer>(std::move(target.value()));
    const int vocab = session->m_model->config().vocabSize;
    for (const Tokenizer* t : {session->m_source.get(), session->m_target.get()}) {
        if (t->vocabSize() > vocab) {
            session->m_warnings.push_back("the tokenizer " + t->source() + " has " + std::to_string(t->vocabSize()) +
                                          " ids but the model's vocab_size is " + std::to_string(vocab) +
                                          "; texts that use ids " + std::to_string(vocab) + " and above will not run");
            break;
        }
    }
    return session;
}

Result<std::vector<Token>> Seq2SeqSession::sourceTokens(std::string_view text) const {
    if (text.empty()) return makeError(ErrorCode::InvalidInput, "the source text is empty");
    if (!m_source) return makeError(ErrorCode::InvalidInput, m_tokenizerProblem + "; give the source as token ids");
    auto enc = m_source->encode(text);
    if (!enc) return prefixError("source: ", enc.takeError());
    return std::move(enc->tokens);
}

Result<std::vector<Token>> Seq2SeqSession::decoderTokens(std::string_view target) const {
    if (!m_target) return makeError(ErrorCode::InvalidInput, m_tokenizerProblem + "; give the target as token ids");
    auto enc = m_target->encode(target);
    if (!enc) return prefixError("target: ", enc.takeError());
    const std::vector<std::int32_t> labels = enc->ids();
    return decoderTokensFromIds(m_model->teacherForcedInput(labels));
}

Result<std::vector<Token>> Seq2SeqSession::sourceTokensFromIds(std::span<const std::int32_t> ids) const {
    return tokensFromIds(m_source.get(), ids);
}

Result<std::vector<Token>> Seq2SeqSession::decoderTokensFromIds(std::span<const std::int32_t> ids) const {
    return tokensFromIds(m_target.get(), ids);
}

std::string Seq2SeqSession::targetText(std::int32_t id) const { return tokenDisplayText(m_target.get(), id); }

namespace {

std::vector<std::int32_t> idsOf(const std::vector<Token>& tokens) {
    std::vector<std::int32_t> ids;
    ids.reserve(tokens.size());
    for (const Token& t : tokens) ids.push_back(t.id);
    return ids;
}

}  // namespace

Result<std::shared_ptr<const Seq2SeqRunResult>> Seq2SeqSession::run(const std::vector<Token>& source,
                                                                    const std::vector<Token>& decoder,
                                                                    const Seq2SeqRunOptions& options) const {
    auto trace = m_model->run(idsOf(source), idsOf(decoder), options);
    if (!trace) return trace.takeError();
    auto result = std::make_shared<Seq2SeqRunResult>();
    result->model = m_model;
    result->modelName = m_model->name();
    result->modelType = m_model->config().modelType;
    result->sourceTokens = source;
    result->decoderTokens = decoder;
    result->trace = std::move(trace.value());
    return std::shared_ptr<const Seq2SeqRunResult>(std::move(result));
}

Result<std::shared_ptr<const Seq2SeqRunResult>> Seq2SeqSession::generate(const std::vector<Token>& source,
                                                                         const GenerateOptions& generateOptions,
                                                                         const Seq2SeqRunOptions& runOptions) const {
    auto generated = m_model->generate(idsOf(source), generateOptions);
    if (!generated) return generated.takeError();
    auto generation = std::make_shared<const Seq2SeqGeneration>(std::move(generated.value()));
    // The last generated token is emitted, not fed: the decoder input is
    // every id before it.
    const std::vector<std::int32_t> fed(generation->decoderIds.begin(), generation->decoderIds.end() - 1);
    auto decoder = decoderTokensFromIds(fed);
    if (!decoder) return decoder.takeError();
    auto result = run(source, *decoder, runOptions);
    if (!result) return result.takeError();
    auto withSteps = std::make_shared<Seq2SeqRunResult>(**result);
    withSteps->generation = std::move(generation);
    return std::shared_ptr<const Seq2SeqRunResult>(std::move(withSteps));
}

}  // namespace attnviz::core

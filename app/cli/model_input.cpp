#include "model_input.h"

#include "commands.h"

namespace attnviz::cli {

using core::ErrorCode;
using core::makeError;

std::vector<OptionSpec> inputOptions() {
    return {{"--model"}, {"--text"}, {"--pair"}, {"--ids"}, {"--token-types"}, {"--global"}};
}

core::Result<std::vector<core::Token>> readTokens(const ArgParser& args, const core::Tokenizer* tokenizer) {
    const auto text = args.value("--text");
    const auto idsText = args.value("--ids");
    if (text.has_value() == idsText.has_value()) {
        return makeError(ErrorCode::InvalidInput, "give exactly one of --text or --ids");
    }
    if (args.has("--pair") && !text) return makeError(ErrorCode::InvalidInput, "--pair needs --text");
    if (args.has("--token-types") && !idsText) {
        return makeError(ErrorCode::InvalidInput, "--token-types goes with --ids");
    }
    if (text) {
        if (tokenizer == nullptr) {
            return makeError(ErrorCode::InvalidInput, "this model has no tokenizer attnviz can read; use --ids");
        }
        core::SessionInput input;
        input.text = *text;
        input.pair = args.value("--pair").value_or("");
        input.usePair = args.has("--pair");
        return core::encodeInput(*tokenizer, input);
    }
    auto ids = parseIntList(*idsText, "--ids");
    if (!ids) return ids.takeError();
    std::vector<int> types;
    if (const auto tt = args.value("--token-types")) {
        auto parsed = parseIntList(*tt, "--token-types");
        if (!parsed) return parsed.takeError();
        types = std::move(parsed.value());
        if (types.size() != ids->size()) {
            return makeError(ErrorCode::InvalidInput, "--token-types has " + std::to_string(types.size()) +
                                                          " entries for " + std::to_string(ids->size()) + " ids");
        }
    }
    const std::vector<std::int32_t> ids32(ids->begin(), ids->end());
    const std::vector<std::int32_t> types32(types.begin(), types.end());
    return core::tokensFromIds(tokenizer, ids32, types32);
}

core::Result<CliSession> openSession(const ArgParser& args) {
    auto dir = args.required("--model");
    if (!dir) return dir.takeError();
    auto mask = core::MaskMode::parse(args.value("--mask").value_or("default"));
    if (!mask) return mask.takeError();
    auto session = core::Session::open(*dir);
    if (!session) return session.takeError();
    const core::Session& s = **session;
    for (const std::string& w : s.warnings()) warn(w);
    // Without a tokenizer, text input fails: say why the tokenizer is missing.
    if (!s.tokenizer() && args.has("--text") && !args.has("--ids")) {
        return makeError(ErrorCode::InvalidInput,
                         s.tokenizerProblem() + "; run the model from token ids with --ids");
    }
    auto tokens = readTokens(args, s.tokenizer());
    if (!tokens) return tokens.takeError();
    if (!s.model().hasTokenTypes() && args.has("--token-types")) {
        return makeError(ErrorCode::InvalidInput, "this model has no token types; drop --token-types");
    }
    CliSession out;
    out.session = std::move(session.value());
    out.session->setLimits(core::SessionLimits::none());
    out.tokens = std::move(tokens.value());
    out.mask = *mask;
    out.fromText = args.has("--text");
    if (const auto global = args.value("--global")) {
        if (!out.session->model().config().globalAttention) {
            return makeError(ErrorCode::InvalidInput, "--global: " + out.session->model().config().modelType +
                                                          " models have no global attention (longformer has)");
        }
        auto positions = parseIntList(*global, "--global");
        if (!positions) return positions.takeError();
        for (int p : *positions) {
            if (p < 0 || p >= static_cast<int>(out.tokens.size())) {
                return makeError(ErrorCode::InvalidInput, "--global: position " + std::to_string(p) +
                                                              " is outside the input (0.." +
                                                              std::to_string(out.tokens.size() - 1) + ")");
            }
        }
        out.globalTokens = std::move(positions.value());
    }
    return out;
}

}  // namespace attnviz::cli

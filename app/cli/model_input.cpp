#include "model_input.h"

namespace attnviz::cli {

using core::makeError;

std::vector<std::int32_t> ModelInput::ids() const {
    std::vector<std::int32_t> out;
    for (const auto& t : tokens) out.push_back(t.id);
    return out;
}

std::vector<std::int32_t> ModelInput::typeIds() const {
    std::vector<std::int32_t> out;
    for (const auto& t : tokens) out.push_back(t.typeId);
    return out;
}

std::vector<std::string> ModelInput::displayTexts() const {
    std::vector<std::string> out;
    for (const auto& t : tokens) out.push_back(t.display);
    return out;
}

std::vector<OptionSpec> inputOptions() {
    return {{"--model"}, {"--text"}, {"--pair"}, {"--ids"}, {"--token-types"}};
}

core::Result<ModelInput> readInput(const ArgParser& args, const core::Tokenizer* tokenizer) {
    ModelInput input;
    const auto text = args.value("--text");
    const auto idsText = args.value("--ids");
    if (text.has_value() == idsText.has_value()) return makeError("give exactly one of --text or --ids");
    if (args.has("--pair") && !text) return makeError("--pair needs --text");
    if (args.has("--token-types") && !idsText) return makeError("--token-types goes with --ids");

    if (text) {
        if (tokenizer == nullptr) return makeError("this model has no tokenizer attnviz can read; use --ids");
        const auto pair = args.value("--pair");
        if (pair && !tokenizer->supportsPairs()) return makeError("this tokenizer does not take sentence pairs");
        auto enc = pair ? tokenizer->encode(*text, std::string_view(*pair)) : tokenizer->encode(*text);
        if (!enc) return enc.takeError();
        input.tokens = std::move(enc->tokens);
        input.fromText = true;
        return input;
    }

    auto ids = parseIntList(*idsText, "--ids");
    if (!ids) return ids.takeError();
    std::vector<int> types;
    if (const auto tt = args.value("--token-types")) {
        auto parsed = parseIntList(*tt, "--token-types");
        if (!parsed) return parsed.takeError();
        types = std::move(parsed.value());
        if (types.size() != ids->size()) {
            return makeError("--token-types has " + std::to_string(types.size()) + " entries for " +
                             std::to_string(ids->size()) + " ids");
        }
    }
    for (std::size_t i = 0; i < ids->size(); ++i) {
        core::Token t;
        t.id = (*ids)[i];
        t.typeId = types.empty() ? 0 : types[i];
        t.segment = t.typeId;
        if (tokenizer != nullptr) {
            t.piece = tokenizer->piece(t.id);
            t.display = tokenizer->display(t.id);
        }
        if (t.display.empty()) t.display = "#" + std::to_string(t.id);
        input.tokens.push_back(std::move(t));
    }
    return input;
}

core::Result<ModelRun> openModelRun(const ArgParser& args) {
    auto dir = args.required("--model");
    if (!dir) return dir.takeError();
    auto mask = core::MaskMode::parse(args.value("--mask").value_or("default"));
    if (!mask) return mask.takeError();
    auto model = core::loadModel(*dir);
    if (!model) return model.takeError();
    auto tokenizer = core::loadTokenizer(*dir);
    auto input = readInput(args, tokenizer ? tokenizer->get() : nullptr);
    if (!input) {
        // Without a tokenizer, text input fails; say why the tokenizer is missing.
        const bool textOnly = args.has("--text") && !args.has("--ids");
        return !tokenizer && textOnly ? tokenizer.takeError() : input.takeError();
    }
    ModelRun run;
    run.model = std::move(model.value());
    if (tokenizer) run.tokenizer = std::move(tokenizer.value());
    run.input = std::move(input.value());
    run.options.mask = *mask;
    if (run.model->hasTokenTypes()) {
        run.options.tokenTypeIds = run.input.typeIds();
    } else if (args.has("--token-types")) {
        return makeError("this model has no token types; drop --token-types");
    }
    return run;
}

}  // namespace attnviz::cli

#include "seq2seq_input.h"

#include "commands.h"
#include "model_input.h"

#include <cmath>
#include <cstdlib>

namespace attnviz::cli {

using core::ErrorCode;
using core::makeError;

std::vector<OptionSpec> seq2seqOptions() {
    return {{"--target"}, {"--decoder-ids"}, {"--decoder-mask"}};
}

std::string seq2seqOnlyOption(const ArgParser& args) {
    for (const auto& spec : seq2seqOptions()) {
        if (args.has(spec.name)) return spec.name;
    }
    return {};
}

core::Result<core::GenerateOptions> generateOptions(const ArgParser& args) {
    core::GenerateOptions o;
    auto maxNew = args.intValue("--max-new-tokens", 20, 1, 1 << 16);
    if (!maxNew) return maxNew.takeError();
    o.maxNewTokens = *maxNew;
    if (const auto t = args.value("--temperature")) {
        char* end = nullptr;
        const double v = std::strtod(t->c_str(), &end);
        if (t->empty() || *end != '\0' || !std::isfinite(v) || v < 0) {
            return makeError(ErrorCode::InvalidInput, "--temperature must be a number >= 0 (0: greedy), got '" + *t + "'");
        }
        o.temperature = v;
    }
    auto topK = args.intValue("--top-k", 0, 0, 1 << 30);
    if (!topK) return topK.takeError();
    o.topK = *topK;
    auto seed = args.intValue("--seed", 0, 0, 1 << 30);
    if (!seed) return seed.takeError();
    o.seed = static_cast<std::uint64_t>(*seed);
    if (o.temperature == 0 && (args.has("--top-k") || args.has("--seed"))) {
        return makeError(ErrorCode::InvalidInput, "--top-k and --seed choose how to sample: give --temperature > 0 too");
    }
    return o;
}

namespace {

core::Result<std::vector<core::Token>> idTokens(const std::string& text, const char* option,
                                                const core::Seq2SeqSession& s, bool decoder) {
    auto ids = parseIntList(text, option);
    if (!ids) return ids.takeError();
    const int vocab = s.model().config().vocabSize;
    for (std::size_t i = 0; i < ids->size(); ++i) {
        const int id = ids.value()[i];
        if (id < 0 || id >= vocab) {
            return makeError(ErrorCode::InvalidInput, std::string(option) + ": token id " + std::to_string(id) +
                                                          " at position " + std::to_string(i) +
                                                          " is outside the vocabulary (0.." + std::to_string(vocab - 1) + ")");
        }
    }
    const std::vector<std::int32_t> ids32(ids->begin(), ids->end());
    return decoder ? s.decoderTokensFromIds(ids32) : s.sourceTokensFromIds(ids32);
}

}  // namespace

core::Result<CliSeq2Seq> openSeq2Seq(const ArgParser& args, const std::string& dir) {
    for (const char* option : {"--pair", "--token-types", "--global"}) {
        if (args.has(option)) {
            return makeError(ErrorCode::InvalidInput, std::string(option) + " is not for encoder-decoder models; drop it");
        }
    }
    auto encoderMask = core::MaskMode::parse(args.value("--mask").value_or("default"));
    if (!encoderMask) return core::prefixError("--mask: ", encoderMask.takeError());
    auto decoderMask = core::MaskMode::parse(args.value("--decoder-mask").value_or("default"));
    if (!decoderMask) return core::prefixError("--decoder-mask: ", decoderMask.takeError());
    if (args.has("--target") && args.has("--decoder-ids")) {
        return makeError(ErrorCode::InvalidInput, "give --target or --decoder-ids, not both");
    }
    const int sources = int(args.has("--text")) + int(args.has("--text-file")) + int(args.has("--ids"));
    if (sources != 1) return makeError(ErrorCode::InvalidInput, "give exactly one of --text, --text-file or --ids");
    if (args.has("--target") && args.has("--ids")) {
        return makeError(ErrorCode::InvalidInput, "--target goes with --text; with --ids give --decoder-ids");
    }
    auto session = core::Seq2SeqSession::open(dir);
    if (!session) return session.takeError();
    const core::Seq2SeqSession& s = **session;
    for (const std::string& w : s.warnings()) warn(w);
    CliSeq2Seq out;
    out.encoderMask = *encoderMask;
    out.decoderMask = *decoderMask;
    if (const auto ids = args.value("--ids")) {
        auto tokens = idTokens(*ids, "--ids", s, false);
        if (!tokens) return tokens.takeError();
        out.source = std::move(tokens.value());
    } else {
        std::string text = args.value("--text").value_or("");
        if (const auto file = args.value("--text-file")) {
            auto read = readTextFile(*file);
            if (!read) return read.takeError();
            text = std::move(read.value());
        }
        auto tokens = s.sourceTokens(text);
        if (!tokens) return core::prefixError("--text: ", tokens.takeError());
        out.source = std::move(tokens.value());
    }
    if (const auto ids = args.value("--decoder-ids")) {
        auto tokens = idTokens(*ids, "--decoder-ids", s, true);
        if (!tokens) return tokens.takeError();
        out.decoder = std::move(tokens.value());
    } else if (const auto target = args.value("--target")) {
        auto tokens = s.decoderTokens(*target);
        if (!tokens) return core::prefixError("--target: ", tokens.takeError());
        out.decoder = std::move(tokens.value());
    }
    out.session = std::move(session.value());
    return out;
}

}  // namespace attnviz::cli

#include "model_input.h"

#include "commands.h"

#include "attnviz/core/model_discovery.h"
#include "attnviz/core/seq2seq_model.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

namespace attnviz::cli {

using core::ErrorCode;
using core::makeError;

std::vector<OptionSpec> inputOptions() {
    return {{"--model"}, {"--text"}, {"--text-file"}, {"--pair"}, {"--ids"}, {"--token-types"}, {"--global"}, {"--trace"}};
}

core::Result<std::string> modelPath(const ArgParser& args) {
    auto reference = args.required("--model");
    if (!reference) return reference.takeError();
    auto path = core::resolveModelReference(*reference);
    if (!path) return core::prefixError("--model: ", path.takeError());
    return path->string();
}

bool hasTextInput(const ArgParser& args) { return args.has("--text") || args.has("--text-file"); }

namespace {

// Far more than attnviz can show (a few thousand tokens), small enough to
// read and refuse at once: a 20 MB file is refused before it is read.
constexpr std::uintmax_t kMaxTextFileBytes = 1u << 20;

}  // namespace

core::Result<std::string> readTextFile(const std::string& path, const std::string& option) {
    const std::string where = option + " '" + path + "'";
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return makeError(ErrorCode::InvalidInput, where + " is a folder");
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec) return makeError(ErrorCode::Io, where + ": " + ec.message());
    if (size > kMaxTextFileBytes) {
        return makeError(ErrorCode::InvalidInput, where + " is " + std::to_string(size) +
                                                      " bytes; attnviz reads text files up to " +
                                                      std::to_string(kMaxTextFileBytes) + " bytes");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, where + ": " + std::strerror(errno));
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.gcount() != static_cast<std::streamsize>(text.size())) {
        return makeError(ErrorCode::Io, where + ": could not read all " + std::to_string(size) + " bytes");
    }
    return text;
}

core::Result<std::vector<core::Token>> readTokens(const ArgParser& args, const core::Tokenizer* tokenizer) {
    std::optional<std::string> text = args.value("--text");
    const auto textFile = args.value("--text-file");
    const auto idsText = args.value("--ids");
    if (int(text.has_value()) + int(textFile.has_value()) + int(idsText.has_value()) != 1) {
        return makeError(ErrorCode::InvalidInput, "give exactly one of --text, --text-file or --ids");
    }
    // Where the text came from, for its errors.
    const std::string source = textFile ? "--text-file '" + *textFile + "'" : "--text";
    if (textFile) {
        auto read = readTextFile(*textFile);
        if (!read) return read.takeError();
        text = std::move(read.value());
    }
    if (args.has("--pair") && !text && !textFile) return makeError(ErrorCode::InvalidInput, "--pair needs --text");
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
        if (input.text.empty()) return makeError(ErrorCode::InvalidInput, source + ": the text is empty");
        auto tokens = core::encodeInput(*tokenizer, input);
        if (!tokens) return core::prefixError(source + ": ", tokens.takeError());
        return tokens;
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
    auto tokens = core::tokensFromIds(tokenizer, ids32, types32);
    if (!tokens) return core::prefixError("--ids: ", tokens.takeError());
    return tokens;
}

core::Result<CliTrace> openTrace(const ArgParser& args) {
    for (const char* option : {"--model", "--text", "--text-file", "--pair", "--ids", "--token-types", "--global", "--mask"}) {
        if (args.has(option)) {
            return makeError(ErrorCode::InvalidInput, std::string(option) +
                                                          ": a trace file fixes the model, the tokens and the mask (" +
                                                          core::kTraceCannotRerun + "); drop " + option);
        }
    }
    auto file = core::readTraceFile(*args.value("--trace"));
    if (!file) return file.takeError();
    CliTrace out;
    out.result = core::runResultFromTrace(*file);
    out.file = std::move(file.value());
    return out;
}

core::Result<CliSession> openSession(const ArgParser& args) {
    // Option errors first: resolving a name may walk the model stores.
    auto mask = core::MaskMode::parse(args.value("--mask").value_or("default"));
    if (!mask) return mask.takeError();
    auto dir = modelPath(args);
    if (!dir) return dir.takeError();
    if (core::isSeq2SeqFolder(*dir)) {
        return makeError(ErrorCode::Unsupported, "'" + *dir + "' is an encoder-decoder model (" +
                                                     core::folderModelType(*dir) +
                                                     "): attnviz-cli attention, generate and tokens take it; this "
                                                     "command does not yet");
    }
    auto session = core::Session::open(*dir);
    if (!session) return session.takeError();
    const core::Session& s = **session;
    for (const std::string& w : s.warnings()) warn(w);
    // Without a tokenizer, text input fails: say why the tokenizer is missing.
    if (!s.tokenizer() && hasTextInput(args) && !args.has("--ids")) {
        return makeError(ErrorCode::InvalidInput,
                         s.tokenizerProblem() + "; run the model from token ids with --ids");
    }
    auto tokens = readTokens(args, s.tokenizer());
    if (!tokens) return tokens.takeError();
    // Ids the user typed are checked here, so the error names the option.
    const int vocab = s.model().config().vocabSize;
    for (std::size_t i = 0; args.has("--ids") && i < tokens->size(); ++i) {
        const std::int32_t id = tokens.value()[i].id;
        if (id < 0 || id >= vocab) {
            return makeError(ErrorCode::InvalidInput, "--ids: token id " + std::to_string(id) + " at position " +
                                                          std::to_string(i) + " is outside the vocabulary (0.." +
                                                          std::to_string(vocab - 1) + ")");
        }
    }
    if (!s.model().hasTokenTypes() && args.has("--token-types")) {
        return makeError(ErrorCode::InvalidInput, "this model has no token types; drop --token-types");
    }
    CliSession out;
    out.session = std::move(session.value());
    out.session->setLimits(core::SessionLimits::none());
    out.tokens = std::move(tokens.value());
    out.mask = *mask;
    out.fromText = hasTextInput(args);
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

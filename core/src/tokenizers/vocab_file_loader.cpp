#include "vocab_file_loader.h"

#include "../json_file.h"
#include "token_id.h"
#include "bpe_model.h"
#include "byte_level.h"
#include "pipeline_tokenizer.h"
#include "wordpiece_model.h"

#include <fstream>
#include <sstream>

namespace attnviz::core {
namespace {

constexpr std::uintmax_t kMaxVocabBytes = 64ull << 20;

Result<std::string> readTextFile(const std::filesystem::path& path) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) return makeError(ErrorCode::Io, "cannot read '" + path.string() + "': " + ec.message());
    if (size > kMaxVocabBytes) {
        return makeError(ErrorCode::CorruptFile, "'" + path.string() + "' is too large for a vocabulary file");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return makeError(ErrorCode::Io, "cannot open '" + path.string() + "'");
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    if (const auto bad = findInvalidUtf8(s)) {
        return makeError(ErrorCode::CorruptFile,
                         "'" + path.string() + "' is not valid UTF-8 (byte " + std::to_string(*bad) + ")");
    }
    return s;
}

// Python's readlines() + rstrip("\n"): a trailing newline does not make an
// extra empty entry.
std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) {
            lines.push_back(text.substr(pos));
            break;
        }
        lines.push_back(text.substr(pos, nl - pos));
        pos = nl + 1;
    }
    return lines;
}

// Gives each special token an id: added_tokens_decoder, else the
// vocabulary, else the next free id (what _add_tokens does), and registers it.
class SpecialRegistry {
public:
    SpecialRegistry(AddedVocabulary& added, const SubwordModel& model, const TokenizerConfig& config)
        : m_added(added), m_model(model), m_next(model.vocabSize()) {
        for (AddedToken t : config.addedTokens()) {
            m_next = std::max<std::int64_t>(m_next, std::int64_t{t.id} + 1);
            m_added.add(std::move(t));
        }
    }
    std::optional<std::int32_t> add(std::optional<AddedToken> token) {
        if (!token || token->content.empty()) return std::nullopt;
        if (const AddedToken* known = m_added.findByContent(token->content)) return known->id;
        const auto id = m_model.tokenToId(token->content);
        // Ids read are at most kMaxTokenId, so m_next <= INT32_MAX: no
        // overflow; one past the largest id is not given out.
        if (!id && m_next > kMaxTokenId) return std::nullopt;
        token->id = id ? *id : static_cast<std::int32_t>(m_next++);
        m_added.add(*token);
        return token->id;
    }

private:
    AddedVocabulary& m_added;
    const SubwordModel& m_model;
    std::int64_t m_next;
};

PostProcessor::Item special(const std::string& name, std::int32_t type) { return {false, 0, name, type}; }
PostProcessor::Item sequence(int which, std::int32_t type) { return {true, which, {}, type}; }

}  // namespace

Result<std::unique_ptr<Tokenizer>> loadWordPieceVocab(const std::filesystem::path& dir, const TokenizerConfig& config) {
    const auto path = dir / "vocab.txt";
    auto text = readTextFile(path);
    if (!text) return text.takeError();
    std::vector<std::string> vocab = splitLines(text.value());
    if (vocab.empty()) return makeError(ErrorCode::CorruptFile, "'" + path.string() + "' has no tokens");
    return wordPieceFromVocab(std::move(vocab), config, "'" + path.string() + "'");
}

Result<std::unique_ptr<Tokenizer>> wordPieceFromVocab(std::vector<std::string> vocab, const TokenizerConfig& config,
                                                      const std::string& source) {
    const auto unk = config.specialToken("unk_token", "[UNK]");
    auto model = WordPieceModel::create(std::move(vocab), unk ? unk->content : "[UNK]", "##", 100);
    if (!model) return prefixError(source + ": ", model.takeError());

    PipelineTokenizer::Parts parts;
    parts.kind = "wordpiece";
    parts.matchNormalizedAdded = false;
    parts.rustWhitespace = false;
    // BertTokenizer.do_lower_case exists only with the basic tokenizer.
    parts.lowercaseFirst = config.flagOr("do_lower_case", true) && config.flagOr("do_basic_tokenize", true);

    // BertTokenizer's BasicTokenizer, step by step: clean, CJK, NFC, (split
    // on whitespace), lowercase, strip accents, split punctuation.
    const bool lower = config.flagOr("do_lower_case", true);
    const std::optional<bool> stripAccents = config.flag("strip_accents");
    if (config.flagOr("do_basic_tokenize", true)) {
        Normalizer::Step clean;
        clean.kind = Normalizer::Kind::CleanText;
        clean.rustFlavour = false;
        parts.normalizer.add(clean);
        if (config.flagOr("tokenize_chinese_chars", true)) parts.normalizer.add(Normalizer::Step::of(Normalizer::Kind::PadCjk));
        Normalizer::Step nfc;
        nfc.kind = Normalizer::Kind::Unicode;
        nfc.compose = true;
        parts.normalizer.add(nfc);
        if (lower) parts.normalizer.add(Normalizer::Step::of(Normalizer::Kind::Lowercase));
        if (stripAccents.value_or(lower)) parts.normalizer.add(Normalizer::Step::of(Normalizer::Kind::StripNonspacing));
    }
    PreTokenizer::Step whitespace;
    whitespace.kind = PreTokenizer::Kind::SplitWhitespace;
    whitespace.rustFlavour = false;
    parts.preTokenizer.add(whitespace);
    if (config.flagOr("do_basic_tokenize", true)) {
        PreTokenizer::Step punct;
        punct.kind = PreTokenizer::Kind::SplitPunctuation;
        punct.behavior = PreTokenizer::Behavior::Isolated;
        parts.preTokenizer.add(punct);
    }

    SpecialRegistry registry(parts.added, *model.value(), config);
    registry.add(unk);
    const auto sep = registry.add(config.specialToken("sep_token", "[SEP]"));
    registry.add(config.specialToken("pad_token", "[PAD]"));
    const auto cls = registry.add(config.specialToken("cls_token", "[CLS]"));
    registry.add(config.specialToken("mask_token", "[MASK]"));
    for (AddedToken t : config.additionalSpecialTokens()) registry.add(std::move(t));
    if (!cls || !sep) {
        return makeError(ErrorCode::CorruptFile, source + ": BERT needs a cls_token and a sep_token");
    }

    const std::string clsName = parts.added.findById(*cls)->content;
    const std::string sepName = parts.added.findById(*sep)->content;
    parts.postProcessor.setSpecial(clsName, {{*cls}, {clsName}});
    parts.postProcessor.setSpecial(sepName, {{*sep}, {sepName}});
    parts.postProcessor.setTemplates(
        {special(clsName, 0), sequence(0, 0), special(sepName, 0)},
        {special(clsName, 0), sequence(0, 0), special(sepName, 0), sequence(1, 1), special(sepName, 1)});
    parts.postProcessor.setReportTypeIds(config.returnsTokenTypeIds());

    TokenDecoder::Step wordpiece;
    wordpiece.kind = TokenDecoder::Kind::WordPiece;
    wordpiece.pattern = "##";
    wordpiece.cleanup = config.flagOr("clean_up_tokenization_spaces", true);
    parts.decoder.add(wordpiece);
    parts.display = PipelineTokenizer::DisplayStyle::Plain;
    parts.model = std::move(model.value());
    return std::unique_ptr<Tokenizer>(std::make_unique<PipelineTokenizer>(std::move(parts)));
}

Result<std::unique_ptr<Tokenizer>> loadByteLevelBpeVocab(const std::filesystem::path& dir,
                                                         const TokenizerConfig& config) {
    const auto vocabPath = dir / "vocab.json";
    const auto mergesPath = dir / "merges.txt";
    auto vocabJson = readJsonFile(vocabPath);
    if (!vocabJson) return vocabJson.takeError();
    if (!vocabJson->is_object() || vocabJson->empty()) {
        return makeError(ErrorCode::CorruptFile, "'" + vocabPath.string() + "' is not a JSON object of token -> id");
    }
    std::vector<std::pair<std::string, std::int32_t>> vocab;
    vocab.reserve(vocabJson->size());
    for (const auto& [token, id] : vocabJson->items()) {
        const auto checked = tokenIdFrom(id);
        if (!checked) {
            return makeError(ErrorCode::CorruptFile,
                             "'" + vocabPath.string() + "': the id of token '" + token + "' " + badTokenIdText(id));
        }
        vocab.emplace_back(token, *checked);
    }
    auto mergesText = readTextFile(mergesPath);
    if (!mergesText) return mergesText.takeError();
    std::vector<std::pair<std::string, std::string>> merges;
    std::size_t lineNo = 0;
    for (const std::string& rawLine : splitLines(mergesText.value())) {
        ++lineNo;
        std::string line = rawLine;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || (lineNo == 1 && line.rfind("#version", 0) == 0)) continue;
        const std::size_t space = line.find(' ');
        if (space == std::string::npos || space == 0 || space + 1 >= line.size() ||
            line.find(' ', space + 1) != std::string::npos) {
            return makeError(ErrorCode::CorruptFile, "'" + mergesPath.string() + "' line " + std::to_string(lineNo) +
                                                         ": expected two tokens separated by one space");
        }
        merges.emplace_back(line.substr(0, space), line.substr(space + 1));
    }
    return byteLevelBpeFromVocab(vocab, merges, config, "'" + vocabPath.string() + "' + '" + mergesPath.string() + "'");
}

Result<PreTokenizer> byteLevelPreTokenizer(const ByteLevelBpeVariant& variant) {
    PreTokenizer out;
    for (const std::string& pattern : variant.isolate) {
        auto regex = Pcre2Regex::compile(pattern);
        if (!regex) return makeError(ErrorCode::Internal, "built-in pattern: " + regex.error());
        PreTokenizer::Step split;
        split.kind = PreTokenizer::Kind::SplitRegex;
        split.behavior = PreTokenizer::Behavior::Isolated;
        split.regex = regex.value();
        out.add(split);
    }
    auto wordRegex = Pcre2Regex::compile(variant.pattern.empty() ? byte_level::kGpt2Pattern : variant.pattern);
    if (!wordRegex) return makeError(ErrorCode::Internal, "built-in pattern: " + wordRegex.error());
    PreTokenizer::Step byteLevel;
    byteLevel.kind = PreTokenizer::Kind::ByteLevel;
    byteLevel.addPrefixSpace = false;
    byteLevel.useRegex = true;
    byteLevel.regex = wordRegex.value();
    out.add(byteLevel);
    return out;
}

Result<std::unique_ptr<Tokenizer>> byteLevelBpeFromVocab(const std::vector<std::pair<std::string, std::int32_t>>& vocab,
                                                         const std::vector<std::pair<std::string, std::string>>& merges,
                                                         const TokenizerConfig& config, const std::string& source,
                                                         const ByteLevelBpeVariant& variant) {
    const std::string& cls = config.tokenizerClass();
    const bool roberta = cls == "RobertaTokenizer" || cls == "BartTokenizer" || cls == "LongformerTokenizer";
    const auto unk = config.specialToken("unk_token", roberta ? "<unk>" : "<|endoftext|>");
    BpeModel::Options options;
    options.ignoreMerges = variant.ignoreMerges;
    // The byte alphabet covers every input; the unknown token only matters
    // for vocabularies that lack some byte symbols.
    for (const auto& [token, id] : vocab) {
        if (unk && token == unk->content) options.unkToken = unk->content;
    }
    auto model = BpeModel::create(vocab, merges, options, source);
    if (!model) return model.takeError();

    PipelineTokenizer::Parts parts;
    parts.kind = "byte-level-bpe";
    parts.matchNormalizedAdded = false;
    parts.rustWhitespace = false;
    // prepare_for_tokenization puts one space in front of the whole text.
    if (config.flagOr("add_prefix_space", false)) parts.textPrefix = " ";
    if (variant.nfc) {
        Normalizer::Step nfc;
        nfc.kind = Normalizer::Kind::Unicode;
        nfc.compose = true;
        parts.normalizer.add(nfc);
    }
    auto preTokenizer = byteLevelPreTokenizer(variant);
    if (!preTokenizer) return preTokenizer.takeError();
    parts.preTokenizer = std::move(preTokenizer.value());

    SpecialRegistry registry(parts.added, *model.value(), config);
    if (roberta) {
        auto mask = config.specialToken("mask_token", "<mask>");
        if (mask && !config.specialTokenHasFlags("mask_token")) mask->lstrip = true;
        const auto bos = registry.add(config.specialToken("bos_token", "<s>"));
        const auto eos = registry.add(config.specialToken("eos_token", "</s>"));
        const auto sep = registry.add(config.specialToken("sep_token", "</s>"));
        const auto clsId = registry.add(config.specialToken("cls_token", "<s>"));
        registry.add(unk);
        registry.add(config.specialToken("pad_token", "<pad>"));
        registry.add(mask);
        (void)bos;
        (void)eos;
        if (!clsId || !sep) {
            return makeError(ErrorCode::CorruptFile, source + ": RoBERTa needs cls_token and sep_token");
        }
        const std::string c = parts.added.findById(*clsId)->content;
        const std::string s = parts.added.findById(*sep)->content;
        parts.postProcessor.setSpecial(c, {{*clsId}, {c}});
        parts.postProcessor.setSpecial(s, {{*sep}, {s}});
        parts.postProcessor.setTemplates({special(c, 0), sequence(0, 0), special(s, 0)},
                                         {special(c, 0), sequence(0, 0), special(s, 0), special(s, 0),
                                          sequence(1, 0), special(s, 0)});
    } else {
        const auto bos = registry.add(config.specialToken("bos_token", "<|endoftext|>"));
        registry.add(config.specialToken("eos_token", "<|endoftext|>"));
        registry.add(unk);
        registry.add(config.specialToken("pad_token", std::nullopt));
        if (config.flagOr("add_bos_token", false) && bos) {
            const std::string b = parts.added.findById(*bos)->content;
            parts.postProcessor.setSpecial(b, {{*bos}, {b}});
            parts.postProcessor.setTemplates({special(b, 0), sequence(0, 0)},
                                             {special(b, 0), sequence(0, 0), special(b, 1), sequence(1, 1)});
        }
    }
    for (AddedToken t : config.additionalSpecialTokens()) registry.add(std::move(t));
    parts.postProcessor.setReportTypeIds(config.returnsTokenTypeIds() && !config.tokenizerClass().empty());

    parts.decoder.add(TokenDecoder::Step::of(TokenDecoder::Kind::ByteLevel));
    parts.display = PipelineTokenizer::DisplayStyle::ByteLevel;
    parts.model = std::move(model.value());
    return std::unique_ptr<Tokenizer>(std::make_unique<PipelineTokenizer>(std::move(parts)));
}

}  // namespace attnviz::core

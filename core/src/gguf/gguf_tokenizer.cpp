#include "attnviz/core/gguf_tokenizer.h"

#include "gguf_pre_tokenizers.h"
#include "../message_text.h"

#include "../tokenizers/sentencepiece_tokenizer.h"
#include "../tokenizers/tokenizer_config.h"
#include "../tokenizers/vocab_file_loader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace attnviz::core {
namespace {

// tokenizer.ggml.token_type values (llama.cpp's, = SentencePiece's piece types).
constexpr int kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kByte = 6;

class Metadata {
public:
    explicit Metadata(const GgufFile& file) : m_file(file), m_where("'" + file.path().string() + "'") {}

    Error corrupt(const std::string& key, const std::string& what) const {
        return makeError(ErrorCode::CorruptFile, m_where + ": metadata \"" + key + "\" " + what);
    }
    const std::string& where() const { return m_where; }

    // tokenizer.ggml.tokens: an array of strings, required.
    Result<const std::vector<std::string_view>*> tokens() const {
        const GgufValue* v = m_file.find("tokenizer.ggml.tokens");
        if (!v) {
            return makeError(ErrorCode::CorruptFile, m_where + ": metadata \"tokenizer.ggml.tokens\" is missing: the file "
                                                              "carries no tokenizer (run it from token ids)");
        }
        if (v->type != GgufValueType::Array || v->elementType != GgufValueType::String) {
            return corrupt("tokenizer.ggml.tokens", "is not an array of strings");
        }
        if (v->strings.empty()) return corrupt("tokenizer.ggml.tokens", "is empty");
        if (v->strings.size() > (1u << 24)) return corrupt("tokenizer.ggml.tokens", "has more than 2^24 tokens");
        return &v->strings;
    }
    // A numeric array of `count` entries, or nullptr when absent.
    Result<const GgufValue*> numbers(const std::string& key, std::size_t count) const {
        const GgufValue* v = m_file.find(key);
        if (!v) return static_cast<const GgufValue*>(nullptr);
        if (v->type != GgufValueType::Array || v->elementType == GgufValueType::String ||
            v->elementType == GgufValueType::Array) {
            return corrupt(key, "is not an array of numbers");
        }
        if (v->count != count) {
            return corrupt(key, "has " + std::to_string(v->count) + " entries for " + std::to_string(count) + " tokens");
        }
        return v;
    }
    // A token id key: nullopt when absent or "none" (llama.cpp writes
    // 0xFFFFFFFF); an error when it lies outside the vocabulary.
    Result<std::optional<std::int32_t>> tokenId(const std::string& key, std::size_t vocab) const {
        auto v = m_file.integer(key);
        if (!v) return v.takeError();
        if (!v->has_value() || **v == 0xFFFFFFFFll || **v == -1) return std::optional<std::int32_t>{};
        if (**v < 0 || static_cast<std::uint64_t>(**v) >= vocab) {
            return corrupt(key, "is " + std::to_string(**v) + ", outside the " + std::to_string(vocab) + " tokens");
        }
        return std::optional<std::int32_t>{static_cast<std::int32_t>(**v)};
    }
    Result<bool> flag(const std::string& key, bool fallback) const {
        auto v = m_file.boolean(key);
        if (!v) return v.takeError();
        return v->value_or(fallback);
    }

private:
    const GgufFile& m_file;
    std::string m_where;
};

// Protobuf wire format, enough for a SentencePiece ModelProto.
class Proto {
public:
    void varint(int field, std::uint64_t v) {
        key(field, 0);
        raw(v);
    }
    void bytes(int field, std::string_view s) {
        key(field, 2);
        raw(s.size());
        m_out.append(s);
    }
    void f32(int field, float v) {
        key(field, 5);
        char b[4];
        std::memcpy(b, &v, 4);
        m_out.append(b, 4);
    }
    void message(int field, const Proto& m) { bytes(field, m.m_out); }
    const std::string& str() const { return m_out; }

private:
    void key(int field, int wire) { raw(static_cast<std::uint64_t>(field) << 3 | static_cast<std::uint64_t>(wire)); }
    void raw(std::uint64_t v) {
        while (v >= 0x80) {
            m_out.push_back(static_cast<char>((v & 0x7F) | 0x80));
            v >>= 7;
        }
        m_out.push_back(static_cast<char>(v));
    }
    std::string m_out;
};

std::uint64_t int32Varint(std::int32_t v) { return static_cast<std::uint64_t>(static_cast<std::int64_t>(v)); }

Result<std::unique_ptr<Tokenizer>> sentencePieceFromMetadata(const Metadata& m) {
    auto tokens = m.tokens();
    if (!tokens) return tokens.takeError();
    const auto& pieces = **tokens;
    const std::size_t n = pieces.size();
    auto scores = m.numbers("tokenizer.ggml.scores", n);
    if (!scores) return scores.takeError();
    auto types = m.numbers("tokenizer.ggml.token_type", n);
    if (!types) return types.takeError();
    auto bos = m.tokenId("tokenizer.ggml.bos_token_id", n);
    if (!bos) return bos.takeError();
    auto eos = m.tokenId("tokenizer.ggml.eos_token_id", n);
    if (!eos) return eos.takeError();
    auto unkKey = m.tokenId("tokenizer.ggml.unknown_token_id", n);
    if (!unkKey) return unkKey.takeError();
    auto pad = m.tokenId("tokenizer.ggml.padding_token_id", n);
    if (!pad) return pad.takeError();
    auto addBos = m.flag("tokenizer.ggml.add_bos_token", true);
    if (!addBos) return addBos.takeError();
    auto addEos = m.flag("tokenizer.ggml.add_eos_token", false);
    if (!addEos) return addEos.takeError();
    auto spacePrefix = m.flag("tokenizer.ggml.add_space_prefix", true);
    if (!spacePrefix) return spacePrefix.takeError();
    auto removeSpaces = m.flag("tokenizer.ggml.remove_extra_whitespaces", false);
    if (!removeSpaces) return removeSpaces.takeError();

    std::vector<int> type(n, kNormal);
    bool byteFallback = false;
    std::optional<std::int32_t> unk = *unkKey;
    for (std::size_t i = 0; i < n; ++i) {
        if (*types) {
            const double t = (*types)->number(i);
            if (t < 1 || t > 6 || t != static_cast<int>(t)) {
                return m.corrupt("tokenizer.ggml.token_type", "entry " + std::to_string(i) + " is " +
                                                                 std::to_string(t) + " (token types are 1 to 6)");
            }
            type[i] = static_cast<int>(t);
        }
        byteFallback = byteFallback || type[i] == kByte;
        if (!unk && type[i] == kUnknown) unk = static_cast<std::int32_t>(i);
    }
    if (!unk) unk = 0;  // llama.cpp's default for SentencePiece vocabularies
    // SentencePiece needs its unknown piece to be typed so, and only it.
    for (std::size_t i = 0; i < n; ++i) {
        if (type[i] == kUnknown && static_cast<std::int32_t>(i) != *unk) type[i] = kControl;
    }
    type[static_cast<std::size_t>(*unk)] = kUnknown;

    Proto model;
    for (std::size_t i = 0; i < n; ++i) {
        Proto piece;
        piece.bytes(1, pieces[i]);
        piece.f32(2, *scores ? static_cast<float>((*scores)->number(i)) : 0.0f);
        piece.varint(3, static_cast<std::uint64_t>(type[i]));
        model.message(1, piece);
    }
    Proto trainer;
    trainer.varint(3, 2);  // model_type BPE
    trainer.varint(4, n);
    trainer.varint(25, 1);  // split_digits
    trainer.varint(26, 1);  // allow_whitespace_only_pieces
    trainer.varint(35, byteFallback ? 1 : 0);
    trainer.varint(40, int32Varint(*unk));
    trainer.varint(41, int32Varint(bos->value_or(-1)));
    trainer.varint(42, int32Varint(eos->value_or(-1)));
    trainer.varint(43, int32Varint(pad->value_or(-1)));
    trainer.bytes(45, pieces[static_cast<std::size_t>(*unk)]);
    if (*bos) trainer.bytes(46, pieces[static_cast<std::size_t>(**bos)]);
    if (*eos) trainer.bytes(47, pieces[static_cast<std::size_t>(**eos)]);
    model.message(2, trainer);
    Proto normalizer;
    normalizer.bytes(1, "identity");
    normalizer.varint(3, *spacePrefix ? 1 : 0);
    normalizer.varint(4, *removeSpaces ? 1 : 0);
    normalizer.varint(5, 1);  // escape_whitespaces
    model.message(3, normalizer);

    nlohmann::json config = {{"tokenizer_class", "LlamaTokenizer"}, {"add_bos_token", *addBos},
                             {"add_eos_token", *addEos},         {"legacy", true},
                             {"add_prefix_space", *spacePrefix},
                             {"unk_token", std::string(pieces[static_cast<std::size_t>(*unk)])}};
    config["bos_token"] = *bos ? nlohmann::json(std::string(pieces[static_cast<std::size_t>(**bos)])) : nlohmann::json();
    config["eos_token"] = *eos ? nlohmann::json(std::string(pieces[static_cast<std::size_t>(**eos)])) : nlohmann::json();
    const std::string source = m.where() + " (tokenizer.ggml.*)";
    return SentencePieceTokenizer::fromModelProto(model.str(), source,
                                                  TokenizerConfig::fromJson(std::move(config), source));
}

Result<std::unique_ptr<Tokenizer>> byteLevelBpeFromMetadata(const GgufFile& file, const Metadata& m) {
    auto pre = file.string("tokenizer.ggml.pre");
    if (!pre) return pre.takeError();
    const std::string preName = pre->value_or("default");
    const std::optional<GgufPreTokenizer> preTokenizer = findGgufPreTokenizer(preName);
    if (!preTokenizer) {
        std::string known;
        for (const auto& name : ggufPreTokenizerNames()) known += (known.empty() ? "" : ", ") + name;
        return makeError(ErrorCode::Unsupported, m.where() + ": metadata \"tokenizer.ggml.pre\" is " + quotedForMessage(preName) +
                                                     ", a pre-tokenizer attnviz does not know (it knows " + known +
                                                     "); run the model from token ids");
    }
    auto tokens = m.tokens();
    if (!tokens) return tokens.takeError();
    const auto& pieces = **tokens;
    const std::size_t n = pieces.size();
    auto types = m.numbers("tokenizer.ggml.token_type", n);
    if (!types) return types.takeError();
    const GgufValue* mergesValue = file.find("tokenizer.ggml.merges");
    if (!mergesValue) return m.corrupt("tokenizer.ggml.merges", "is missing (a gpt2 tokenizer needs its merges)");
    if (mergesValue->type != GgufValueType::Array || mergesValue->elementType != GgufValueType::String) {
        return m.corrupt("tokenizer.ggml.merges", "is not an array of strings");
    }
    std::vector<std::pair<std::string, std::int32_t>> vocab;
    vocab.reserve(n);
    for (std::size_t i = 0; i < n; ++i) vocab.emplace_back(std::string(pieces[i]), static_cast<std::int32_t>(i));
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(mergesValue->strings.size());
    for (std::size_t i = 0; i < mergesValue->strings.size(); ++i) {
        const std::string_view line = mergesValue->strings[i];
        const std::size_t space = line.find(' ');
        if (space == std::string_view::npos || space == 0 || space + 1 >= line.size() ||
            line.find(' ', space + 1) != std::string_view::npos) {
            return m.corrupt("tokenizer.ggml.merges", "entry " + std::to_string(i) +
                                                          " is not two tokens separated by one space");
        }
        merges.emplace_back(std::string(line.substr(0, space)), std::string(line.substr(space + 1)));
    }
    auto bos = m.tokenId("tokenizer.ggml.bos_token_id", n);
    if (!bos) return bos.takeError();
    auto eos = m.tokenId("tokenizer.ggml.eos_token_id", n);
    if (!eos) return eos.takeError();
    auto addBos = m.flag("tokenizer.ggml.add_bos_token", preTokenizer->addBosByDefault);
    if (!addBos) return addBos.takeError();
    // RoBERTa files (RobertaModel in the converter: "bert" weights, this
    // vocabulary) as RobertaTokenizer: <s> A </s>, <s> A </s></s> B </s>.
    const bool roberta = preName == "roberta-bpe";
    nlohmann::json config = {{"tokenizer_class", roberta ? "RobertaTokenizer" : "GPT2Tokenizer"},
                             {"add_bos_token", *addBos}};
    const auto name = [&](const std::optional<std::int32_t>& id) {
        return id ? nlohmann::json(std::string(pieces[static_cast<std::size_t>(*id)])) : nlohmann::json();
    };
    config["bos_token"] = name(*bos);
    config["eos_token"] = name(*eos);
    config["unk_token"] = config["eos_token"];
    if (roberta) {
        config["cls_token"] = config["bos_token"];
        config["sep_token"] = config["eos_token"];
        config.erase("unk_token");  // by id, else RoBERTa's "<unk>"
        for (const auto& [field, key] : std::vector<std::pair<const char*, const char*>>{
                 {"unk_token", "tokenizer.ggml.unknown_token_id"}, {"pad_token", "tokenizer.ggml.padding_token_id"},
                 {"mask_token", "tokenizer.ggml.mask_token_id"}}) {
            auto id = m.tokenId(key, n);
            if (!id) return id.takeError();
            if (*id) {
                config[field] = name(*id);
            } else {  // RoBERTa's names, only when in the vocabulary
                const std::string_view f = field;
                const std::string fallback = f == "unk_token" ? "<unk>" : f == "pad_token" ? "<pad>" : "<mask>";
                if (std::find(pieces.begin(), pieces.end(), fallback) == pieces.end()) config[field] = nullptr;
            }
        }
    }
    // Control and user-defined tokens are matched whole in the text, as the
    // special tokens of the Hugging Face tokenizer are.
    nlohmann::json specials = nlohmann::json::array();
    if (*types) {
        for (std::size_t i = 0; i < n; ++i) {
            const int t = static_cast<int>((*types)->number(i));
            if ((t == kControl || t == kUserDefined) && (!*bos || i != static_cast<std::size_t>(**bos)) &&
                (!*eos || i != static_cast<std::size_t>(**eos))) {
                specials.push_back(std::string(pieces[i]));
            }
        }
    }
    if (!specials.empty()) config["additional_special_tokens"] = specials;
    const std::string source = m.where() + " (tokenizer.ggml.*)";
    return byteLevelBpeFromVocab(vocab, merges, TokenizerConfig::fromJson(std::move(config), source), source,
                                 preTokenizer->variant);
}

// The Hugging Face WordPiece token a "bert" GGUF token stands for. The
// converter (BertModel.set_vocab, "phantom space") keeps bracketed tokens
// ([CLS], [unused0]) as they are, strips "##" from continuation pieces and
// puts U+2581 in front of every other token; this undoes it.
std::string wordPieceToken(std::string_view phantom) {
    constexpr std::string_view kSpace = "\xe2\x96\x81";  // U+2581
    if (phantom.substr(0, kSpace.size()) == kSpace) return std::string(phantom.substr(kSpace.size()));
    if (phantom.size() >= 2 && phantom.front() == '[' && phantom.back() == ']') return std::string(phantom);
    return "##" + std::string(phantom);
}

// A "bert" tokenizer (llama.cpp's WPM) as BertTokenizer: [CLS] text [SEP],
// BERT's basic tokenizer. GGUF stores no do_lower_case: a vocabulary with no
// ASCII capital outside bracketed specials is an uncased one (lower-cased and
// accents stripped, as BertTokenizer's default), any capital makes it cased.
Result<std::unique_ptr<Tokenizer>> wordPieceFromMetadata(const Metadata& m) {
    auto tokens = m.tokens();
    if (!tokens) return tokens.takeError();
    const auto& pieces = **tokens;
    const std::size_t n = pieces.size();
    auto types = m.numbers("tokenizer.ggml.token_type", n);
    if (!types) return types.takeError();
    std::vector<std::string> vocab;
    vocab.reserve(n);
    bool cased = false;
    for (std::string_view p : pieces) {
        vocab.push_back(wordPieceToken(p));
        const bool bracketed = p.size() >= 2 && p.front() == '[' && p.back() == ']';
        if (!bracketed) {
            for (char c : p) cased = cased || (c >= 'A' && c <= 'Z');
        }
    }
    // The special tokens by id, else by BERT's names (llama.cpp defaults to
    // the ids bert-base-uncased gives them).
    nlohmann::json config = {{"tokenizer_class", "BertTokenizer"}, {"do_lower_case", !cased}};
    const std::pair<const char*, const char*> kSpecials[] = {
        {"unk_token", "tokenizer.ggml.unknown_token_id"}, {"sep_token", "tokenizer.ggml.seperator_token_id"},
        {"pad_token", "tokenizer.ggml.padding_token_id"}, {"cls_token", "tokenizer.ggml.cls_token_id"},
        {"mask_token", "tokenizer.ggml.mask_token_id"}};
    std::vector<std::int32_t> specialIds;
    for (const auto& [field, key] : kSpecials) {
        auto id = m.tokenId(key, n);
        if (!id) return id.takeError();
        if (!*id && std::string_view(field) == "cls_token") {  // files written before cls_token_id
            id = m.tokenId("tokenizer.ggml.bos_token_id", n);
            if (!id) return id.takeError();
        }
        if (*id) {
            config[field] = vocab[static_cast<std::size_t>(**id)];
            specialIds.push_back(**id);
        } else {
            // Without an id, BERT's name when the vocabulary has it (no
            // token is given an id past the file's vocabulary); [CLS] and
            // [SEP] must be there for the template.
            const std::string_view f = field;
            const std::string name = f == "cls_token" ? "[CLS]" : f == "sep_token" ? "[SEP]" : f == "unk_token" ? "[UNK]"
                                     : f == "pad_token"                           ? "[PAD]"
                                                                                   : "[MASK]";
            if (std::find(vocab.begin(), vocab.end(), name) == vocab.end()) {
                if (f == "cls_token" || f == "sep_token") {
                    return m.corrupt(key, "is missing and the vocabulary has no " + name + " token");
                }
                if (f != "unk_token") config[field] = nullptr;
            }
        }
    }
    nlohmann::json extra = nlohmann::json::array();
    if (*types) {
        for (std::size_t i = 0; i < n; ++i) {
            const double t = (*types)->number(i);
            if (t < 1 || t > 6 || t != static_cast<int>(t)) {
                return m.corrupt("tokenizer.ggml.token_type", "entry " + std::to_string(i) + " is " +
                                                                 std::to_string(t) + " (token types are 1 to 6)");
            }
            const bool special = std::find(specialIds.begin(), specialIds.end(), static_cast<std::int32_t>(i)) !=
                                 specialIds.end();
            if ((t == kControl || t == kUserDefined) && !special) extra.push_back(vocab[i]);
        }
    }
    if (!extra.empty()) config["additional_special_tokens"] = extra;
    const std::string source = m.where() + " (tokenizer.ggml.*)";
    return wordPieceFromVocab(std::move(vocab), TokenizerConfig::fromJson(std::move(config), source), source);
}

}  // namespace

Result<std::unique_ptr<Tokenizer>> loadGgufTokenizer(const GgufFile& file) {
    const Metadata m(file);
    auto model = file.string("tokenizer.ggml.model");
    if (!model) return model.takeError();
    if (!model->has_value()) {
        return makeError(ErrorCode::CorruptFile, m.where() + ": metadata \"tokenizer.ggml.model\" is missing: the file "
                                                             "carries no tokenizer (run it from token ids)");
    }
    Result<std::unique_ptr<Tokenizer>> tok = makeError(ErrorCode::Internal, "");
    if (**model == "llama") {
        tok = sentencePieceFromMetadata(m);
    } else if (**model == "gpt2") {
        tok = byteLevelBpeFromMetadata(file, m);
    } else if (**model == "bert") {
        tok = wordPieceFromMetadata(m);
    } else {
        return makeError(ErrorCode::Unsupported, m.where() + ": metadata \"tokenizer.ggml.model\" is " + quotedForMessage(**model) +
                                                     "; attnviz reads \"llama\" (SentencePiece), \"gpt2\" "
                                                     "(byte-level BPE) and \"bert\" (WordPiece) tokenizers from GGUF "
                                                     "files");
    }
    if (tok) (*tok)->setSource(m.where());
    return tok;
}

}  // namespace attnviz::core

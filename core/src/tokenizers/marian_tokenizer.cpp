#include "marian_tokenizer.h"

#include "../json_file.h"
#include "../out_of_memory.h"
#include "../message_text.h"
#include "display_text.h"
#include "sentencepiece_file.h"
#include "slow_decode.h"
#include "token_id.h"
#include "unicode_text.h"

#include <sentencepiece_processor.h>

#include <algorithm>

namespace attnviz::core {
namespace {

constexpr std::string_view kMeta = "\u2581";  // ▁

// Python's re.sub(">>.+<<", "", text) matches: leftmost first, each from a
// ">>" to the last "<<" on the same line with at least one character
// between ('.' does not match '\n'), so at most one per line. Linear.
std::vector<ByteSpan> languageCodes(const std::string& text) {
    std::vector<ByteSpan> codes;
    std::size_t lineStart = 0;
    while (lineStart < text.size()) {
        std::size_t lineEnd = text.find('\n', lineStart);
        if (lineEnd == std::string::npos) lineEnd = text.size();
        const std::string_view line = std::string_view(text).substr(lineStart, lineEnd - lineStart);
        const std::size_t open = line.find(">>");
        const std::size_t close = line.rfind("<<");
        if (open != std::string_view::npos && close != std::string_view::npos && close >= open + 3) {
            codes.push_back({lineStart + open, lineStart + close + 2});
        }
        lineStart = lineEnd + 1;
    }
    return codes;
}

// A vocab.json (or target_vocab.json): piece -> id, and the table id -> piece.
struct Vocabulary {
    std::unordered_map<std::string, std::int32_t> ids;
    std::vector<std::string> pieces;
};

Result<Vocabulary> readVocabulary(const std::filesystem::path& path) {
    auto json = readJsonFile(path);
    if (!json) return json.takeError();
    const std::string name = "'" + path.string() + "'";
    if (!json->is_object() || json->empty()) {
        return makeError(ErrorCode::CorruptFile, name + " is not a JSON object of piece -> id");
    }
    Vocabulary vocab;
    vocab.ids.reserve(json->size());
    std::vector<const std::string*> byId;
    for (const auto& [piece, value] : json->items()) {
        const auto id = tokenIdFrom(value);
        if (!id) {
            return makeError(ErrorCode::CorruptFile,
                             name + ": the id of " + quotedForMessage(piece) + " " + badTokenIdText(value));
        }
        if (*id > maxVocabTableId(json->size())) {
            return makeError(ErrorCode::CorruptFile, name + ": the id of " + quotedForMessage(piece) + " is " +
                                                         std::to_string(*id) + "; a vocabulary of " +
                                                         std::to_string(json->size()) + " pieces uses ids up to " +
                                                         std::to_string(maxVocabTableId(json->size())));
        }
        const auto at = static_cast<std::size_t>(*id);
        if (at >= byId.size()) byId.resize(at + 1, nullptr);
        if (byId[at] != nullptr) {
            return makeError(ErrorCode::CorruptFile, name + ": id " + std::to_string(*id) + " is given to both " +
                                                         quotedForMessage(*byId[at]) + " and " +
                                                         quotedForMessage(piece));
        }
        byId[at] = &vocab.ids.emplace(piece, *id).first->first;
    }
    vocab.pieces.resize(byId.size());
    for (std::size_t i = 0; i < byId.size(); ++i) {
        if (byId[i] != nullptr) vocab.pieces[i] = *byId[i];
    }
    return vocab;
}

}  // namespace

MarianTokenizer::MarianTokenizer() : m_sp(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
MarianTokenizer::~MarianTokenizer() = default;

Result<std::unique_ptr<Tokenizer>> MarianTokenizer::load(const std::filesystem::path& dir,
                                                         const TokenizerConfig& config, Side side) {
    const bool separate = config.flagOr("separate_vocabs", false);
    std::vector<const char*> files = {"source.spm", "target.spm", "vocab.json"};
    if (separate) files.push_back("target_vocab.json");
    std::error_code ec;
    for (const char* file : files) {
        if (!std::filesystem::is_regular_file(dir / file, ec)) {
            return makeError(ErrorCode::Io, "'" + (dir / file).string() + "' is missing (a MarianTokenizer folder has " +
                                                "source.spm, target.spm and vocab.json" +
                                                (separate ? ", and target_vocab.json with separate_vocabs" : "") +
                                                ")");
        }
    }

    std::unique_ptr<MarianTokenizer> tok(new MarianTokenizer());
    // MarianTokenizer loads both models whichever side is used.
    for (const Side s : {Side::Source, Side::Target}) {
        const auto path = dir / (s == Side::Source ? "source.spm" : "target.spm");
        auto bytes = readSentencePieceFile(path);
        if (!bytes) return bytes.takeError();
        sentencepiece::SentencePieceProcessor other;
        auto& sp = s == side ? *tok->m_sp : other;
        if (Status st = loadSentencePieceProto(sp, bytes.value(), "'" + path.string() + "'"); !st) {
            return st.takeError();
        }
    }

    const auto vocabPath = dir / (side == Side::Target && separate ? "target_vocab.json" : "vocab.json");
    auto vocab = readVocabulary(vocabPath);
    if (!vocab) return vocab.takeError();
    tok->m_ids = std::move(vocab->ids);
    tok->m_pieces = std::move(vocab->pieces);

    // Added tokens (ids given), then the specials, which must be pieces of
    // the vocabulary (MarianTokenizer refuses a vocabulary without them).
    std::int64_t next = static_cast<std::int64_t>(tok->m_pieces.size());
    for (AddedToken t : config.addedTokens()) {
        next = std::max<std::int64_t>(next, std::int64_t{t.id} + 1);
        tok->m_added.add(std::move(t));
    }
    const std::string settings =
        config.source().empty() ? "'" + (dir / "tokenizer_config.json").string() + "'" : "'" + config.source() + "'";
    auto special = [&](const char* key, const char* fallback) -> Result<std::int32_t> {
        const auto token = config.specialToken(key, fallback);
        if (!token || token->content.empty()) {
            return makeError(ErrorCode::CorruptFile, settings + ": MarianTokenizer needs a " + std::string(key));
        }
        if (const AddedToken* known = tok->m_added.findByContent(token->content)) return known->id;
        const auto it = tok->m_ids.find(token->content);
        if (it == tok->m_ids.end()) {
            return makeError(ErrorCode::CorruptFile, "'" + vocabPath.string() + "' has no entry for the " + key +
                                                         " " + quotedForMessage(token->content));
        }
        AddedToken t = *token;
        t.id = it->second;
        tok->m_added.add(std::move(t));
        return it->second;
    };
    const auto unk = special("unk_token", "<unk>");
    if (!unk) return unk.takeError();
    const auto eos = special("eos_token", "</s>");
    if (!eos) return eos.takeError();
    const auto pad = special("pad_token", "<pad>");
    if (!pad) return pad.takeError();
    tok->m_unkId = unk.value();
    tok->m_eosId = eos.value();
    for (const std::int32_t id : {unk.value(), eos.value(), pad.value()}) {
        tok->m_specialTexts.insert(tok->m_added.findById(id)->content);
    }
    std::unordered_set<std::string> additional;
    for (AddedToken t : config.additionalSpecialTokens()) {
        additional.insert(t.content);
        tok->m_specialTexts.insert(t.content);
        if (t.content.empty() || tok->m_added.findByContent(t.content) != nullptr) continue;
        const auto it = tok->m_ids.find(t.content);
        if (it != tok->m_ids.end()) {
            t.id = it->second;
        } else {
            if (next > kMaxTokenId) continue;
            t.id = static_cast<std::int32_t>(next++);
        }
        tok->m_added.add(std::move(t));
    }
    // The slow _decode's tokens that stand alone: added tokens that are not
    // special, additional special tokens beyond len(vocab.json).
    for (const AddedToken& t : tok->m_added.tokens()) {
        if (tok->m_specialTexts.count(t.content) == 0 ||
            (additional.count(t.content) != 0 && static_cast<std::size_t>(t.id) >= tok->m_ids.size())) {
            tok->m_legacyTexts.insert(t.content);
        }
    }
    tok->m_cleanUpSpaces = config.flagOr("clean_up_tokenization_spaces", false);
    tok->m_vocabSize = static_cast<std::int32_t>(tok->m_pieces.size());
    for (const AddedToken& t : tok->m_added.tokens()) tok->m_vocabSize = std::max(tok->m_vocabSize, t.id + 1);
    // An id no piece has decodes as MarianTokenizer's decoder.get(id, unk).
    const std::string& unkText = tok->m_added.findById(tok->m_unkId)->content;
    for (std::string& piece : tok->m_pieces) {
        if (piece.empty()) piece = unkText;
    }
    tok->setSource("'" + (dir / (side == Side::Source ? "source.spm" : "target.spm")).string() + "'");
    return std::unique_ptr<Tokenizer>(std::move(tok));
}

std::int32_t MarianTokenizer::idOf(const std::string& piece) const {
    const auto it = m_ids.find(piece);
    return it == m_ids.end() ? m_unkId : it->second;
}

Token MarianTokenizer::specialToken(std::int32_t id) const {
    Token t;
    t.id = id;
    t.piece = piece(id);
    t.display = t.piece;
    t.special = true;
    return t;
}

void MarianTokenizer::encodeChunk(const AlignedText& chunk, std::vector<Token>& out) const {
    auto push = [&](std::int32_t id, ByteSpan span) {
        Token t;
        t.id = id;
        t.piece = piece(id);
        t.display = display(id);
        t.start = span.start;
        t.end = span.end;
        out.push_back(std::move(t));
    };
    const auto codes = languageCodes(chunk.text());
    if (!codes.empty() && codes.front().start == 0) {
        push(idOf(chunk.text().substr(0, codes.front().end)), chunk.inputSpan(0, codes.front().end));
    }
    AlignedText text = chunk;
    text.replaceRanges(codes, "");
    if (text.empty()) return;
    const auto spt = m_sp->EncodeAsImmutableProto(text.text());
    for (const auto& p : spt.pieces()) {
        push(idOf(p.piece()), text.inputSpan(p.begin(), p.end()));
    }
}

Result<Encoding> MarianTokenizer::encode(std::string_view text, std::optional<std::string_view> pair,
                                         const EncodeOptions& options) const {
    return guardAllocation("encoding " + byteSizeText(text.size() + pair.value_or("").size()) + " of text",
                           std::nullopt, [&] { return encodeText(text, pair, options); });
}

Result<Encoding> MarianTokenizer::encodeText(std::string_view text, std::optional<std::string_view> pair,
                                             const EncodeOptions& options) const {
    if (Status st = requireValidUtf8(text, pair); !st) return st.takeError();
    Encoding enc;
    const int segments = pair ? 2 : 1;
    for (int s = 0; s < segments; ++s) {
        const std::string_view segmentText = s == 0 ? text : *pair;
        std::vector<Token> tokens;
        for (const auto& chunk : m_added.split(AlignedText(segmentText, 0), false, false)) {
            if (chunk.token != nullptr) {
                Token t = specialToken(chunk.token->id);
                t.special = chunk.token->special;
                const ByteSpan span = chunk.text.inputSpan();
                t.start = span.start;
                t.end = span.end;
                tokens.push_back(std::move(t));
            } else if (!chunk.text.empty()) {
                encodeChunk(chunk.text, tokens);
            }
        }
        for (Token& t : tokens) t.segment = s;
        enc.tokens.insert(enc.tokens.end(), tokens.begin(), tokens.end());
    }
    // build_inputs_with_special_tokens: A (B) </s>.
    if (options.addSpecialTokens) {
        Token t = specialToken(m_eosId);
        t.start = t.end = (pair ? *pair : text).size();
        t.segment = segments - 1;
        enc.tokens.push_back(std::move(t));
    }
    return enc;
}

Result<std::string> MarianTokenizer::decode(std::span<const std::int32_t> ids) const {
    // MarianTokenizer.decode (skip_special_tokens false): the generic slow
    // _decode around its convert_tokens_to_string, which decodes the pieces
    // before each special token with this side's model, puts the special
    // and a space after them, makes every remaining "▁" a space (pieces the
    // model does not know come back as they are) and strips the ends.
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const std::int32_t id : ids) {
        if (id < 0 || id >= m_vocabSize) {
            return makeError(ErrorCode::InvalidInput, "token id " + std::to_string(id) + " is outside the vocabulary");
        }
        tokens.push_back(piece(id));
    }
    std::string failure;
    auto pieces = [&](const std::vector<std::string>& run) {
        std::string text;
        if (run.empty()) return text;
        if (const auto status = m_sp->Decode(run, &text); !status.ok()) failure = status.ToString();
        return text;
    };
    auto convert = [&](const std::vector<std::string>& run) {
        std::string out;
        std::vector<std::string> current;
        for (const std::string& token : run) {
            if (m_specialTexts.count(token) != 0) {
                out += pieces(current) + token + " ";
                current.clear();
            } else {
                current.push_back(token);
            }
        }
        out += pieces(current);
        for (std::size_t at = out.find(kMeta); at != std::string::npos; at = out.find(kMeta, at + 1)) {
            out.replace(at, kMeta.size(), " ");
        }
        return stripPythonSpace(out);
    };
    std::string text = slowDecode(
        tokens, [&](const std::string& t) { return m_legacyTexts.count(t) != 0; }, convert, m_cleanUpSpaces);
    if (!failure.empty()) return makeError(ErrorCode::Internal, failure);
    return unicode::toValidUtf8(std::move(text));
}

std::string MarianTokenizer::piece(std::int32_t id) const {
    if (const AddedToken* added = m_added.findById(id)) return added->content;
    if (id < 0 || id >= m_vocabSize) return {};
    const auto at = static_cast<std::size_t>(id);
    // An id between the vocabulary and an added token's: unk, as decoding.
    return at < m_pieces.size() ? m_pieces[at] : m_added.findById(m_unkId)->content;
}

std::string MarianTokenizer::display(std::int32_t id) const {
    if (id < 0 || id >= m_vocabSize) return {};
    if (const AddedToken* added = m_added.findById(id)) return added->content;
    return displayFromMetaspace(piece(id));
}

}  // namespace attnviz::core

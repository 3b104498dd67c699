#include "sentencepiece_tokenizer.h"

#include "../out_of_memory.h"
#include "display_text.h"
#include "sentencepiece_file.h"
#include "slow_decode.h"
#include "unicode_text.h"

#include <sentencepiece_processor.h>

#include <algorithm>

namespace attnviz::core {
namespace {

constexpr std::string_view kMeta = "\u2581";  // ▁

// Appending a serialized message to a serialized protobuf merges it into the
// first: this sets ModelProto.normalizer_spec (field 3).add_dummy_prefix
// (field 3) = false, as LlamaTokenizer does for legacy=false.
constexpr std::string_view kNoDummyPrefix("\x1A\x02\x18\x00", 4);

std::vector<ByteSpan> findAll(const std::string& text, std::string_view what) {
    std::vector<ByteSpan> spans;
    for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) {
        spans.push_back({at, at + what.size()});
    }
    return spans;
}

}  // namespace

bool readsSpieceModel(const std::string& tokenizerClass) {
    return tokenizerClass == "AlbertTokenizer" || tokenizerClass == "T5Tokenizer";
}

SentencePieceTokenizer::SentencePieceTokenizer() : m_sp(std::make_unique<sentencepiece::SentencePieceProcessor>()) {}
SentencePieceTokenizer::~SentencePieceTokenizer() = default;

Result<std::unique_ptr<Tokenizer>> SentencePieceTokenizer::load(const std::filesystem::path& dir,
                                                                const TokenizerConfig& config) {
    std::error_code ec;
    // AlbertTokenizer's and T5Tokenizer's file is spiece.model; LlamaTokenizer's tokenizer.model.
    auto path = dir / "tokenizer.model";
    if (readsSpieceModel(config.tokenizerClass()) && std::filesystem::is_regular_file(dir / "spiece.model", ec)) {
        path = dir / "spiece.model";
    }
    auto bytes = readSentencePieceFile(path);
    if (!bytes) return bytes.takeError();
    return fromModelProto(bytes.value(), "'" + path.string() + "'", config);
}

Result<std::unique_ptr<Tokenizer>> SentencePieceTokenizer::fromModelProto(const std::string& proto,
                                                                          const std::string& source,
                                                                          const TokenizerConfig& config) {
    std::unique_ptr<SentencePieceTokenizer> tok(new SentencePieceTokenizer());
    if (Status st = loadSentencePieceProto(*tok->m_sp, proto, source); !st) return st.takeError();
    const auto& sp = *tok->m_sp;
    tok->m_vocabSize = sp.GetPieceSize();

    const std::string& cls = config.tokenizerClass();
    if (cls == "AlbertTokenizer") {
        tok->m_convention = Convention::Albert;
    } else if (cls == "T5Tokenizer") {
        tok->m_convention = Convention::T5;
    } else if (!cls.empty() && cls != "LlamaTokenizer" && cls != "CodeLlamaTokenizer" && cls != "PreTrainedTokenizer") {
        return makeError(ErrorCode::Unsupported,
                         source + ": tokenizer_class '" + config.tokenizerClass() +
                             "' is not supported for SentencePiece models (supported: LlamaTokenizer, "
                             "AlbertTokenizer, T5Tokenizer)");
    }

    // Ids of the special tokens: added_tokens_decoder, else the SentencePiece
    // piece, else (as _add_tokens does) a new id after the vocabulary.
    for (AddedToken t : config.addedTokens()) tok->m_added.add(std::move(t));
    auto addSpecial = [&](std::optional<AddedToken> token) -> std::optional<std::int32_t> {
        if (!token || token->content.empty()) return std::nullopt;
        if (const AddedToken* known = tok->m_added.findByContent(token->content)) return known->id;
        const int id = sp.PieceToId(token->content);
        if (sp.IdToPiece(id) == token->content) {
            token->id = id;
        } else {
            token->id = tok->m_vocabSize++;
        }
        tok->m_added.add(*token);
        return token->id;
    };

    if (tok->m_convention != Convention::Albert) {
        const bool t5 = tok->m_convention == Convention::T5;
        // T5Tokenizer: "</s>" after each text, no BOS (its sentinels first,
        // at the top of the id range, so that the specials below find them).
        if (t5) {
            if (Status st = tok->addT5Sentinels(config, source); !st) return st.takeError();
        }
        tok->m_addBos = !t5 && config.flagOr("add_bos_token", true);
        tok->m_addEos = t5 || config.flagOr("add_eos_token", false);
        // transformers treats a missing `legacy` as true (with a warning).
        tok->m_legacy = config.flagOr("legacy", true);
        tok->m_addPrefixSpace = config.flagOr("add_prefix_space", true);
        const auto unk = config.specialToken("unk_token", "<unk>");
        tok->m_unkId = addSpecial(unk).value_or(-1);
        if (!t5) tok->m_bosId = addSpecial(config.specialToken("bos_token", "<s>"));
        tok->m_eosId = addSpecial(config.specialToken("eos_token", "</s>"));
        tok->m_padId =
            addSpecial(config.specialToken("pad_token", t5 ? std::optional<std::string>("<pad>") : std::nullopt));
        if (unk) tok->m_unkToken = unk->content;
        if (!tok->m_legacy) {
            tok->m_spNoPrefix = std::make_unique<sentencepiece::SentencePieceProcessor>();
            if (const auto status = tok->m_spNoPrefix->LoadFromSerializedProto(proto + std::string(kNoDummyPrefix));
                !status.ok()) {
                // The model loaded once; only our own edit of it can fail here.
                return makeError(ErrorCode::Internal,
                                 source + ": cannot switch off the dummy prefix: " + status.ToString());
            }
            std::vector<int> ids;
            (void)tok->m_spNoPrefix->Encode(tok->m_unkToken, &ids);
            tok->m_unkPieces = ids.size();
        }
    } else {
        tok->m_lowerCase = config.flagOr("do_lower_case", true);
        tok->m_keepAccents = config.flagOr("keep_accents", false);
        tok->m_removeSpace = config.flagOr("remove_space", true);
        auto mask = config.specialToken("mask_token", "[MASK]");
        // AlbertTokenizer wraps a plain-string mask token with lstrip=True.
        if (mask && !config.specialTokenHasFlags("mask_token")) mask->lstrip = true;
        addSpecial(config.specialToken("unk_token", "<unk>"));
        addSpecial(config.specialToken("pad_token", "<pad>"));
        tok->m_clsId = addSpecial(config.specialToken("cls_token", "[CLS]"));
        tok->m_sepId = addSpecial(config.specialToken("sep_token", "[SEP]"));
        addSpecial(mask);
        addSpecial(config.specialToken("bos_token", "[CLS]"));
        addSpecial(config.specialToken("eos_token", "[SEP]"));
        if (!tok->m_clsId || !tok->m_sepId) {
            return makeError(ErrorCode::CorruptFile,
                             "'" + config.source() + "': AlbertTokenizer needs cls_token and sep_token");
        }
    }
    for (AddedToken t : config.additionalSpecialTokens()) {
        tok->m_additionalTexts.insert(t.content);
        addSpecial(std::move(t));
    }
    for (const AddedToken& t : tok->m_added.tokens()) tok->m_vocabSize = std::max(tok->m_vocabSize, t.id + 1);
    if (tok->m_convention == Convention::T5) {
        // What T5Tokenizer's decode treats as special (all_special_tokens)
        // and as standing alone (legacy added tokens: the sentinels).
        tok->m_cleanUpSpaces = config.flagOr("clean_up_tokenization_spaces", false);
        tok->m_specialTexts = tok->m_additionalTexts;
        for (const auto id : {tok->m_eosId, std::optional<std::int32_t>(tok->m_unkId), tok->m_padId}) {
            if (const AddedToken* t = id ? tok->m_added.findById(*id) : nullptr) tok->m_specialTexts.insert(t->content);
        }
        for (const AddedToken& t : tok->m_added.tokens()) {
            const bool special = tok->m_specialTexts.count(t.content) != 0;
            if (!special || (tok->m_additionalTexts.count(t.content) != 0 && t.id >= sp.GetPieceSize())) {
                tok->m_legacyTexts.insert(t.content);
            }
        }
    }
    return std::unique_ptr<Tokenizer>(std::move(tok));
}

Status SentencePieceTokenizer::addT5Sentinels(const TokenizerConfig& config, const std::string& source) {
    // T5Tokenizer.__init__: `extra_ids` sentinels <extra_id_0>, <extra_id_1>,
    // ... numbered down from the top (<extra_id_0> = pieces - 1 + extra_ids),
    // matched with the whitespace around them stripped. When
    // additional_special_tokens lists sentinels, their number is used and
    // must equal extra_ids (unless that is 0).
    constexpr std::int64_t kMaxExtraIds = 1 << 20;
    const std::string settings = config.source().empty() ? source : "'" + config.source() + "'";
    const std::int64_t extraIds = config.integer("extra_ids").value_or(100);
    if (extraIds < 0 || extraIds > kMaxExtraIds) {
        return makeError(ErrorCode::CorruptFile, settings + ": extra_ids is " +
                                                     std::to_string(extraIds) + "; expected 0 to " +
                                                     std::to_string(kMaxExtraIds));
    }
    std::int64_t listed = 0;
    for (const AddedToken& t : config.additionalSpecialTokens()) {
        if (t.content.find("<extra_id_") != std::string::npos) ++listed;
    }
    if (listed > 0 && extraIds > 0 && listed != extraIds) {
        return makeError(ErrorCode::CorruptFile,
                         settings + ": extra_ids is " + std::to_string(extraIds) + " but additional_special_tokens lists " + std::to_string(listed) +
                             " <extra_id_N> tokens (T5Tokenizer needs the same number)");
    }
    const std::int64_t count = listed > 0 ? listed : extraIds;
    const std::int64_t top = std::int64_t{m_sp->GetPieceSize()} - 1 + extraIds;
    if (top - (count - 1) < 0) {
        return makeError(ErrorCode::CorruptFile, source + " has too few pieces for " + std::to_string(count) +
                                                     " T5 sentinels with extra_ids " + std::to_string(extraIds));
    }
    for (std::int64_t i = 0; i < count; ++i) {
        AddedToken t;
        t.content = "<extra_id_" + std::to_string(i) + ">";
        t.id = static_cast<std::int32_t>(top - i);
        t.lstrip = true;
        t.rstrip = true;
        // added_tokens_decoder of tokenizer_config.json (read first) wins.
        m_additionalTexts.insert(t.content);
        if (m_added.findById(t.id) != nullptr || m_added.findByContent(t.content) != nullptr) continue;
        m_added.add(std::move(t));
    }
    return Status::success();
}

Token SentencePieceTokenizer::modelToken(std::int32_t id, ByteSpan span) const {
    Token t;
    t.id = id;
    t.piece = piece(id);
    t.display = display(id);
    t.start = span.start;
    t.end = span.end;
    return t;
}

Token SentencePieceTokenizer::specialToken(std::int32_t id) const {
    Token t;
    t.id = id;
    t.piece = piece(id);
    t.display = t.piece;
    t.special = true;
    return t;
}

void SentencePieceTokenizer::encodeChunk(const sentencepiece::SentencePieceProcessor& sp, const AlignedText& chunk,
                                         std::size_t dropPieces, std::string_view prefix,
                                         std::vector<Token>& out) const {
    const std::string input = std::string(prefix) + chunk.text();
    const auto spt = sp.EncodeAsImmutableProto(input);
    std::size_t index = 0;
    for (const auto& p : spt.pieces()) {
        if (index++ < dropPieces) continue;
        const std::size_t begin = p.begin() > prefix.size() ? p.begin() - prefix.size() : 0;
        const std::size_t end = p.end() > prefix.size() ? p.end() - prefix.size() : 0;
        out.push_back(modelToken(static_cast<std::int32_t>(p.id()), chunk.inputSpan(begin, end)));
    }
}

AlignedText SentencePieceTokenizer::albertPreprocess(const AlignedText& chunk) const {
    AlignedText text = chunk;
    if (m_removeSpace) {
        // " ".join(text.strip().split()): words joined by one space standing
        // for the whitespace run it replaces.
        AlignedText joined;
        const std::string& s = text.text();
        std::size_t i = 0;
        std::size_t spaceStart = std::string::npos;
        while (i < s.size()) {
            std::size_t len = 0;
            const bool space = unicode::isPythonSpace(unicode::decodeAt(s, i, &len));
            if (space) {
                if (spaceStart == std::string::npos) spaceStart = i;
                i += len;
                continue;
            }
            std::size_t end = i;
            while (end < s.size()) {
                std::size_t l = 0;
                if (unicode::isPythonSpace(unicode::decodeAt(s, end, &l))) break;
                end += l;
            }
            if (!joined.empty()) joined.appendMapped(" ", text.inputSpan(spaceStart, i));
            joined.appendFrom(text, i, end);
            spaceStart = std::string::npos;
            i = end;
        }
        text = std::move(joined);
    }
    text.replaceRanges(findAll(text.text(), "``"), "\"");
    text.replaceRanges(findAll(text.text(), "''"), "\"");
    if (!m_keepAccents) {
        text.normalize(false, true);
        text.mapChars([](char32_t cp, std::u32string& o) {
            if (unicode::combiningClass(cp) == 0) o += cp;
        });
    }
    if (m_lowerCase) text.mapChars([](char32_t cp, std::u32string& o) { o += unicode::lowerChar(cp); });
    return text;
}

void SentencePieceTokenizer::encodeAlbertChunk(const AlignedText& chunk, std::vector<Token>& out) const {
    const AlignedText text = albertPreprocess(chunk);
    if (text.empty()) return;
    const auto spt = m_sp->EncodeAsImmutableProto(text.text());
    for (const auto& p : spt.pieces()) {
        const std::string& pc = p.piece();
        // AlbertTokenizer re-splits pieces like "▁1999," into "▁1999" ","
        // (a digit followed by a comma at the end of a piece).
        std::size_t lastStart = pc.size();
        if (!pc.empty()) {
            lastStart = pc.size() - 1;
            while (lastStart > 0 && (static_cast<unsigned char>(pc[lastStart]) & 0xC0) == 0x80) --lastStart;
        }
        std::size_t prevStart = lastStart;
        if (prevStart > 0) {
            --prevStart;
            while (prevStart > 0 && (static_cast<unsigned char>(pc[prevStart]) & 0xC0) == 0x80) --prevStart;
        }
        const bool digitComma = lastStart > 0 && pc.compare(lastStart, std::string::npos, ",") == 0 &&
                                !findInvalidUtf8(pc) &&  // decodeAt reads valid UTF-8 only
                                unicode::isPythonDigit(unicode::decodeAt(pc, prevStart, nullptr));
        if (!digitComma) {
            out.push_back(modelToken(static_cast<std::int32_t>(p.id()), text.inputSpan(p.begin(), p.end())));
            continue;
        }
        std::string digits = pc.substr(0, lastStart);
        for (auto at = digits.find(kMeta); at != std::string::npos; at = digits.find(kMeta)) digits.erase(at, kMeta.size());
        const auto sub = m_sp->EncodeAsImmutableProto(digits);
        std::vector<std::pair<std::string, ByteSpan>> pieces;
        // The digits sit just before the comma in the surface text.
        const std::size_t commaEnd = p.end();
        const std::size_t digitsStart = commaEnd >= 1 + digits.size() ? commaEnd - 1 - digits.size() : p.begin();
        for (const auto& q : sub.pieces()) {
            pieces.emplace_back(q.piece(), ByteSpan{digitsStart + q.begin(), digitsStart + q.end()});
        }
        if (pc.compare(0, kMeta.size(), kMeta) != 0 && !pieces.empty() &&
            pieces.front().first.compare(0, kMeta.size(), kMeta) == 0) {
            if (pieces.front().first.size() == kMeta.size()) {
                pieces.erase(pieces.begin());
            } else {
                pieces.front().first.erase(0, kMeta.size());
            }
        }
        pieces.emplace_back(",", ByteSpan{commaEnd - 1, commaEnd});
        for (const auto& [text_, span] : pieces) {
            // convert_tokens_to_ids: added tokens first, else the piece (or <unk>).
            const AddedToken* added = m_added.findByContent(text_);
            const std::int32_t id = added ? added->id : static_cast<std::int32_t>(m_sp->PieceToId(text_));
            out.push_back(modelToken(id, text.inputSpan(span.start, span.end)));
        }
    }
}

Status SentencePieceTokenizer::encodeSegment(std::string_view text, std::vector<Token>& out) const {
    AlignedText at(text, 0);
    const bool nonLegacy = m_convention != Convention::Albert && !m_legacy && !text.empty();
    if (nonLegacy) {
        // LlamaTokenizer.tokenize: "▁" in the text means a space; one "▁"
        // marks the start.
        at.replaceRanges(findAll(at.text(), kMeta), " ");
        if (m_addPrefixSpace) at.prepend(kMeta);
    }
    if (m_convention == Convention::Albert && m_lowerCase) at = m_added.lowercaseOutsideTokens(at);

    auto pieces = m_added.split(at, false, false);
    // lstrip/rstrip left a chunk of only whitespace or nothing: skipped.
    const std::size_t first = out.size();
    for (const auto& piece : pieces) {
        if (piece.token != nullptr) {
            Token t = specialToken(piece.token->id);
            t.special = piece.token->special;
            const ByteSpan span = piece.text.inputSpan();
            t.start = span.start;
            t.end = span.end;
            out.push_back(std::move(t));
            continue;
        }
        if (piece.text.empty()) continue;
        if (m_convention == Convention::Albert) {
            encodeAlbertChunk(piece.text, out);
        } else if (m_legacy) {
            encodeChunk(*m_sp, piece.text, 0, {}, out);
        } else if (piece.text.text().compare(0, kMeta.size(), kMeta) == 0 || piece.text.text()[0] == ' ') {
            // The "<unk>" in front stops SentencePiece from treating the
            // leading space as removable; its pieces are dropped again.
            encodeChunk(*m_spNoPrefix, piece.text, m_unkPieces, m_unkToken, out);
        } else {
            encodeChunk(*m_spNoPrefix, piece.text, 0, {}, out);
        }
    }
    if (nonLegacy && out.size() >= first + 2 && out[first].piece == kMeta && out[first + 1].special) {
        out.erase(out.begin() + static_cast<std::ptrdiff_t>(first));
    }
    return Status::success();
}

Result<Encoding> SentencePieceTokenizer::encode(std::string_view text, std::optional<std::string_view> pair,
                                                const EncodeOptions& options) const {
    // A text of many megabytes makes as many tokens, spans and pieces.
    return guardAllocation("encoding " + byteSizeText(text.size() + pair.value_or("").size()) + " of text",
                           std::nullopt, [&] { return encodeText(text, pair, options); });
}

Result<Encoding> SentencePieceTokenizer::encodeText(std::string_view text, std::optional<std::string_view> pair,
                                                    const EncodeOptions& options) const {
    if (Status st = requireValidUtf8(text, pair); !st) return st.takeError();
    Encoding enc;
    const int segments = pair ? 2 : 1;
    for (int s = 0; s < segments; ++s) {
        const std::string_view segmentText = s == 0 ? text : *pair;
        std::vector<Token> tokens;
        if (Status st = encodeSegment(segmentText, tokens); !st) return st.takeError();
        for (Token& t : tokens) t.segment = s;
        auto addSpecial = [&](std::int32_t id, bool atEnd) {
            if (!options.addSpecialTokens) return;
            Token t = specialToken(id);
            t.start = t.end = atEnd ? segmentText.size() : 0;
            t.segment = s;
            t.typeId = m_convention == Convention::Albert ? s : 0;
            enc.tokens.push_back(std::move(t));
        };
        if (m_convention != Convention::Albert) {
            if (m_addBos && m_bosId) addSpecial(*m_bosId, false);
            // T5Tokenizer._add_eos_if_not_present: a text that ends with a
            // typed "</s>" gets no second one.
            const bool endsWithEos = m_convention == Convention::T5 && !tokens.empty() && m_eosId &&
                                     tokens.back().id == *m_eosId;
            enc.tokens.insert(enc.tokens.end(), tokens.begin(), tokens.end());
            if (m_addEos && m_eosId && !endsWithEos) addSpecial(*m_eosId, true);
        } else {
            if (s == 0) addSpecial(*m_clsId, false);
            for (Token& t : tokens) t.typeId = s;
            enc.tokens.insert(enc.tokens.end(), tokens.begin(), tokens.end());
            addSpecial(*m_sepId, true);
        }
    }
    return enc;
}

Result<std::string> SentencePieceTokenizer::decodeT5(std::span<const std::int32_t> ids) const {
    // T5Tokenizer.decode (skip_special_tokens false): the generic slow
    // _decode around its convert_tokens_to_string, which drops the first
    // piece's "▁", puts one space before each run of specials and decodes
    // the pieces between them with SentencePiece, then strips the ends.
    const auto& sp = m_legacy ? *m_sp : *m_spNoPrefix;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const std::int32_t id : ids) {
        if (id < 0 || id >= vocabSize()) {
            return makeError(ErrorCode::InvalidInput, "token id " + std::to_string(id) + " is outside the vocabulary");
        }
        const AddedToken* added = m_added.findById(id);
        tokens.push_back(added != nullptr ? added->content : id < sp.GetPieceSize() ? sp.IdToPiece(id) : "");
    }
    std::string failure;
    auto pieces = [&](const std::vector<std::string>& run) {
        std::string text;
        if (run.empty()) return text;
        if (const auto status = sp.Decode(run, &text); !status.ok()) failure = status.ToString();
        return text;
    };
    auto convert = [&](std::vector<std::string> run) {
        if (m_addPrefixSpace && run.front().compare(0, kMeta.size(), kMeta) == 0) run.front().erase(0, kMeta.size());
        std::string out;
        std::vector<std::string> current;
        bool previousSpecial = false;
        for (std::string& token : run) {
            if (m_specialTexts.count(token) != 0) {
                if (!previousSpecial) out += ' ';
                out += pieces(current) + token;
                previousSpecial = true;
                current.clear();
            } else {
                current.push_back(std::move(token));
                previousSpecial = false;
            }
        }
        out += pieces(current);
        return stripPythonSpace(out);
    };
    std::string text = slowDecode(
        tokens, [&](const std::string& t) { return m_legacyTexts.count(t) != 0; }, convert, m_cleanUpSpaces);
    if (!failure.empty()) return makeError(ErrorCode::Internal, failure);
    return unicode::toValidUtf8(std::move(text));
}

Result<std::string> SentencePieceTokenizer::decode(std::span<const std::int32_t> ids) const {
    if (m_convention == Convention::T5) return decodeT5(ids);
    // Runs between added/control tokens are decoded by SentencePiece, so each
    // run loses the dummy-prefix space it was encoded with.
    std::string out;
    std::vector<int> run;
    auto flush = [&]() -> Status {
        if (run.empty()) return Status::success();
        std::string text;
        // The ids were checked against the vocabulary already.
        if (const auto status = m_sp->Decode(run, &text); !status.ok()) {
            return makeError(ErrorCode::Internal, status.ToString());
        }
        out += text;
        run.clear();
        return Status::success();
    };
    for (std::int32_t id : ids) {
        if (id < 0 || id >= vocabSize()) {
            return makeError(ErrorCode::InvalidInput, "token id " + std::to_string(id) + " is outside the vocabulary");
        }
        const AddedToken* added = m_added.findById(id);
        if (added != nullptr || id >= m_sp->GetPieceSize() || m_sp->IsControl(id)) {
            if (Status st = flush(); !st) return st.takeError();
            out += piece(id);
            continue;
        }
        run.push_back(id);
    }
    if (Status st = flush(); !st) return st.takeError();
    // A .model's pieces are bytes: one that is not UTF-8 becomes U+FFFD.
    return unicode::toValidUtf8(std::move(out));
}

std::string SentencePieceTokenizer::piece(std::int32_t id) const {
    if (const AddedToken* added = m_added.findById(id)) return added->content;
    return id >= 0 && id < m_sp->GetPieceSize() ? unicode::toValidUtf8(m_sp->IdToPiece(id)) : std::string();
}

std::string SentencePieceTokenizer::display(std::int32_t id) const {
    if (id < 0 || id >= vocabSize()) return {};
    if (const AddedToken* added = m_added.findById(id)) return added->content;
    if (id >= m_sp->GetPieceSize()) return {};
    if (m_sp->IsByte(id)) return displayFromBytePiece(m_sp->IdToPiece(id));
    if (m_sp->IsControl(id) || m_sp->IsUnknown(id)) return piece(id);
    return displayFromMetaspace(m_sp->IdToPiece(id));  // bytes that are not UTF-8 show as <0xNN>
}

std::int32_t SentencePieceTokenizer::vocabSize() const { return m_vocabSize; }

}  // namespace attnviz::core

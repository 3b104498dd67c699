#include "pipeline_tokenizer.h"

#include "../out_of_memory.h"
#include "byte_level.h"
#include "display_text.h"
#include "unicode_text.h"

namespace attnviz::core {

PipelineTokenizer::PipelineTokenizer(Parts parts) : m_parts(std::move(parts)) {}

Token PipelineTokenizer::addedToken(const AddedToken& token, ByteSpan span) const {
    Token t;
    t.id = token.id;
    t.piece = token.content;
    t.display = token.special ? token.content : displayFromText(token.content);
    t.start = span.start;
    t.end = span.end;
    t.special = token.special;
    return t;
}

Status PipelineTokenizer::encodePlain(const AlignedText& text, std::vector<Token>& out) const {
    auto words = m_parts.preTokenizer.apply(text);
    if (!words) return words.takeError();
    std::vector<SubToken> subs;
    for (const AlignedText& word : words.value()) {
        subs.clear();
        if (Status st = m_parts.model->tokenize(word.text(), subs); !st) return st;
        for (const SubToken& s : subs) {
            Token t;
            t.id = s.id;
            t.piece = piece(s.id);
            t.display = display(s.id);
            const ByteSpan span = word.inputSpan(s.begin, s.end);
            t.start = span.start;
            t.end = span.end;
            out.push_back(std::move(t));
        }
    }
    return Status::success();
}

Status PipelineTokenizer::encodeSegment(std::string_view text, std::vector<Token>& out) const {
    AlignedText at(text, 0);
    if (!m_parts.textPrefix.empty()) at.prepend(m_parts.textPrefix);
    if (m_parts.lowercaseFirst) at = m_parts.added.lowercaseOutsideTokens(at);
    for (auto& piece : m_parts.added.split(at, false, m_parts.rustWhitespace)) {
        if (piece.token != nullptr) {
            out.push_back(addedToken(*piece.token, piece.text.inputSpan()));
            continue;
        }
        if (piece.text.empty()) continue;
        if (Status st = m_parts.normalizer.apply(piece.text); !st) return st;
        if (!m_parts.matchNormalizedAdded) {
            if (Status st = encodePlain(piece.text, out); !st) return st;
            continue;
        }
        for (auto& inner : m_parts.added.split(piece.text, true, m_parts.rustWhitespace)) {
            if (inner.token != nullptr) {
                out.push_back(addedToken(*inner.token, inner.text.inputSpan()));
            } else if (Status st = encodePlain(inner.text, out); !st) {
                return st;
            }
        }
    }
    return Status::success();
}

Result<Encoding> PipelineTokenizer::encode(std::string_view text, std::optional<std::string_view> pair,
                                           const EncodeOptions& options) const {
    // A text of many megabytes makes as many tokens, spans and pieces.
    return guardAllocation("encoding " + byteSizeText(text.size() + pair.value_or("").size()) + " of text",
                           std::nullopt, [&] { return encodeText(text, pair, options); });
}

Result<Encoding> PipelineTokenizer::encodeText(std::string_view text, std::optional<std::string_view> pair,
                                               const EncodeOptions& options) const {
    if (Status st = requireValidUtf8(text, pair); !st) return st.takeError();
    std::vector<Token> a;
    if (Status st = encodeSegment(text, a); !st) return st.takeError();
    std::vector<Token> b;
    if (pair) {
        if (Status st = encodeSegment(*pair, b); !st) return st.takeError();
    }
    Encoding enc;
    if (options.addSpecialTokens) {
        enc.tokens = m_parts.postProcessor.apply(std::move(a), pair ? &b : nullptr, text.size(), pair ? pair->size() : 0);
    } else {
        // Without the template the sequences are concatenated; the pair keeps
        // its segment and, where the model uses them, type 1.
        const PostProcessor plain;
        enc.tokens = plain.apply(std::move(a), pair ? &b : nullptr, text.size(), pair ? pair->size() : 0);
        if (!m_parts.postProcessor.reportsTypeIds()) {
            for (Token& t : enc.tokens) t.typeId = 0;
        }
    }
    return enc;
}

Result<std::string> PipelineTokenizer::decode(std::span<const std::int32_t> ids) const {
    // Added tokens are written as they are; the model tokens between them go
    // through the decoder as one run each. WordPiece text is words joined by
    // spaces, so added tokens get spaces around them there too.
    bool spaced = false;
    for (const auto& step : m_parts.decoder.steps()) spaced = spaced || step.kind == TokenDecoder::Kind::WordPiece;
    std::string out;
    auto append = [&](const std::string& piece) {
        if (piece.empty()) return;
        if (spaced && !out.empty()) out += ' ';
        out += piece;
    };
    std::vector<std::string> run;
    for (std::int32_t id : ids) {
        if (const AddedToken* added = m_parts.added.findById(id)) {
            if (!run.empty()) append(m_parts.decoder.decode(std::move(run)));
            run.clear();
            append(added->content);
            continue;
        }
        std::string token = m_parts.model->idToToken(id);
        if (token.empty()) {
            return makeError(ErrorCode::InvalidInput, "token id " + std::to_string(id) + " is outside the vocabulary");
        }
        run.push_back(std::move(token));
    }
    if (!run.empty()) append(m_parts.decoder.decode(std::move(run)));
    return unicode::toValidUtf8(std::move(out));
}

std::string PipelineTokenizer::piece(std::int32_t id) const {
    if (const AddedToken* added = m_parts.added.findById(id)) return added->content;
    return unicode::toValidUtf8(m_parts.model->idToToken(id));
}

std::string PipelineTokenizer::display(std::int32_t id) const {
    if (const AddedToken* added = m_parts.added.findById(id)) {
        return added->special ? added->content : displayFromText(added->content);
    }
    // displayFrom* show bytes that are not UTF-8 as <0xNN>.
    const std::string token = m_parts.model->idToToken(id);
    if (token.empty()) return {};
    switch (m_parts.display) {
    case DisplayStyle::ByteLevel: {
        std::string bytes;
        if (byte_level::toBytes(token, bytes)) return displayFromBytes(bytes);
        return displayFromText(token);
    }
    case DisplayStyle::Metaspace:
        // Byte-fallback pieces stay as they are.
        if (token.size() == 6 && token.compare(0, 3, "<0x") == 0 && token[5] == '>') return token;
        return displayFromMetaspace(token);
    case DisplayStyle::Plain:
        break;
    }
    return displayFromText(token);
}

std::int32_t PipelineTokenizer::vocabSize() const {
    std::int32_t n = m_parts.model->vocabSize();
    for (const AddedToken& t : m_parts.added.tokens()) n = std::max(n, t.id + 1);
    return n;
}

}  // namespace attnviz::core

#include "post_processor.h"

namespace attnviz::core {

PostProcessor::PostProcessor() {
    m_single = {Item{true, 0, {}, 0}};
    m_pair = {Item{true, 0, {}, 0}, Item{true, 1, {}, 1}};
}

void PostProcessor::setTemplates(std::vector<Item> single, std::vector<Item> pair) {
    m_single = std::move(single);
    m_pair = std::move(pair);
}

Status PostProcessor::validate(const std::string& source, const std::function<bool(std::int32_t)>& knownId) const {
    for (const auto* items : {&m_single, &m_pair}) {
        for (const Item& item : *items) {
            if (item.isSequence && item.sequence == 1 && items == &m_single) {
                return makeError(ErrorCode::CorruptFile,
                                 source + ": the single-sequence template refers to a second sequence ($B)");
            }
            if (item.isSequence) continue;
            const auto it = m_specials.find(item.special);
            if (it == m_specials.end()) {
                return makeError(ErrorCode::CorruptFile, source + ": the post-processor template uses special token '" +
                                                             item.special + "', which it does not define");
            }
            if (it->second.ids.size() != it->second.tokens.size() || it->second.ids.empty()) {
                return makeError(ErrorCode::CorruptFile, source + ": special token '" + item.special +
                                                             "' of the template has " +
                                                             std::to_string(it->second.ids.size()) + " ids and " +
                                                             std::to_string(it->second.tokens.size()) + " tokens");
            }
            for (const std::int32_t id : it->second.ids) {
                if (!knownId(id)) {
                    return makeError(ErrorCode::CorruptFile, source + ": special token '" + item.special +
                                                                 "' of the post-processor has id " + std::to_string(id) +
                                                                 ", which is not in the vocabulary");
                }
            }
        }
    }
    return Status::success();
}

std::vector<Token> PostProcessor::apply(std::vector<Token> a, const std::vector<Token>* b, std::size_t sizeA,
                                        std::size_t sizeB) const {
    const std::vector<Item>& items = b != nullptr ? m_pair : m_single;
    // Which segment a special belongs to (for spans and the UI): before the
    // first sequence -> that one; after the last -> that one; between A and
    // B -> A, except a repeat of the template's opening token, which opens B.
    int firstSeq = -1;
    int lastSeq = -1;
    std::size_t firstSeqPos = items.size();
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!items[i].isSequence) continue;
        if (firstSeq < 0) {
            firstSeq = items[i].sequence;
            firstSeqPos = i;
        }
        lastSeq = items[i].sequence;
    }
    const std::string opener = !items.empty() && !items.front().isSequence ? items.front().special : std::string();

    std::vector<Token> out;
    out.reserve(a.size() + (b ? b->size() : 0) + items.size());
    int previousSeq = -1;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const Item& item = items[i];
        const std::int32_t type = m_reportTypeIds ? item.typeId : 0;
        if (item.isSequence) {
            const std::vector<Token>& src = item.sequence == 0 ? a : *b;
            for (Token t : src) {
                t.typeId = type;
                t.segment = item.sequence;
                out.push_back(std::move(t));
            }
            previousSeq = item.sequence;
            continue;
        }
        int segment;
        bool atEnd;
        if (previousSeq < 0) {
            segment = firstSeq < 0 ? 0 : firstSeq;
            atEnd = false;
        } else if (i > firstSeqPos && lastSeq != previousSeq) {
            const bool opensNext = !opener.empty() && item.special == opener;
            segment = opensNext ? lastSeq : previousSeq;
            atEnd = !opensNext;
        } else {
            segment = previousSeq;
            atEnd = true;
        }
        const std::size_t at = atEnd ? (segment == 0 ? sizeA : sizeB) : 0;
        const Special& special = m_specials.at(item.special);
        for (std::size_t k = 0; k < special.ids.size(); ++k) {
            Token t;
            t.id = special.ids[k];
            t.piece = special.tokens[k];
            t.display = special.tokens[k];
            t.start = t.end = at;
            t.special = true;
            t.typeId = type;
            t.segment = segment;
            out.push_back(std::move(t));
        }
    }
    return out;
}

}  // namespace attnviz::core

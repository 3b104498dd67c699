#include "bpe_model.h"

#include "token_id.h"
#include "unicode_text.h"
#include "../message_text.h"

#include <cstdio>
#include <mutex>
#include <queue>

namespace attnviz::core {

Result<std::unique_ptr<BpeModel>> BpeModel::create(const std::vector<std::pair<std::string, std::int32_t>>& vocab,
                                                   const std::vector<std::pair<std::string, std::string>>& merges,
                                                   Options options, const std::string& source) {
    std::unique_ptr<BpeModel> model(new BpeModel());
    std::int32_t maxId = -1;
    // Ids index a table: refuse a table mostly empty.
    const std::int32_t maxAllowed = maxVocabTableId(vocab.size());
    for (const auto& [token, id] : vocab) {
        if (id < 0 || id > maxAllowed) {
            return makeError(ErrorCode::CorruptFile, source + ": token " + quotedForMessage(token) + " has id " +
                                                         std::to_string(id) + ", outside 0.." +
                                                         std::to_string(maxAllowed) + " (a vocabulary of " +
                                                         std::to_string(vocab.size()) + " tokens)");
        }
        maxId = std::max(maxId, id);
    }
    model->m_tokens.resize(static_cast<std::size_t>(maxId + 1));
    for (const auto& [token, id] : vocab) {
        model->m_ids[token] = id;
        model->m_tokens[static_cast<std::size_t>(id)] = token;
    }
    const std::size_t prefixLen = options.continuingSubwordPrefix.size();
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& [a, b] = merges[rank];
        const auto ia = model->m_ids.find(a);
        const auto ib = model->m_ids.find(b);
        if (ia == model->m_ids.end() || ib == model->m_ids.end()) {
            return makeError(ErrorCode::CorruptFile, source + ": merge " + std::to_string(rank + 1) + " ('" + a +
                                                         "' '" + b + "') uses a token that is not in the vocabulary");
        }
        const std::string merged = a + (b.size() >= prefixLen && b.compare(0, prefixLen, options.continuingSubwordPrefix) == 0
                                            ? b.substr(prefixLen)
                                            : b);
        const auto im = model->m_ids.find(merged);
        if (im == model->m_ids.end()) {
            return makeError(ErrorCode::CorruptFile, source + ": merge " + std::to_string(rank + 1) + " ('" + a +
                                                         "' '" + b + "') makes '" + merged +
                                                         "', which is not in the vocabulary");
        }
        // A repeated pair keeps its last rank, as the Python and Rust loaders do.
        model->m_merges.insert_or_assign(pairKey(ia->second, ib->second), Merge{static_cast<std::uint32_t>(rank), im->second});
    }
    if (options.unkToken) {
        const auto unk = model->m_ids.find(*options.unkToken);
        if (unk == model->m_ids.end()) {
            return makeError(ErrorCode::CorruptFile,
                             source + ": the unknown token '" + *options.unkToken + "' is not in the vocabulary");
        }
        model->m_unkId = unk->second;
    }
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        const auto it = model->m_ids.find(name);
        model->m_byteIds[b] = it == model->m_ids.end() ? -1 : it->second;
    }
    model->m_options = std::move(options);
    return model;
}

void BpeModel::mergeWord(std::string_view word, std::vector<SubToken>& out) const {
    struct Symbol {
        std::int32_t id;
        std::size_t begin;
        std::size_t end;
        std::int64_t prev;
        std::int64_t next;
        bool alive;
    };
    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    auto addSymbol = [&](std::int32_t id, std::size_t begin, std::size_t end) {
        const auto index = static_cast<std::int64_t>(symbols.size());
        symbols.push_back({id, begin, end, index - 1, -1, true});
        if (index > 0) symbols[static_cast<std::size_t>(index - 1)].next = index;
    };

    // Unknown characters: one unknown token per character, or one per run
    // with fuse_unk (Hugging Face's BPE::merge_word).
    std::optional<SubToken> pendingUnk;
    auto flushUnk = [&]() {
        if (pendingUnk) addSymbol(pendingUnk->id, pendingUnk->begin, pendingUnk->end);
        pendingUnk.reset();
    };
    std::string piece;
    for (std::size_t i = 0; i < word.size();) {
        const std::size_t len = unicode::sequenceLength(static_cast<unsigned char>(word[i]));
        const bool first = i == 0;
        const bool last = i + len >= word.size();
        piece.clear();
        if (!first) piece += m_options.continuingSubwordPrefix;
        piece.append(word.substr(i, len));
        if (last) piece += m_options.endOfWordSuffix;
        if (const auto it = m_ids.find(piece); it != m_ids.end()) {
            flushUnk();
            addSymbol(it->second, i, i + len);
            i += len;
            continue;
        }
        if (m_options.byteFallback) {
            bool all = true;
            for (char c : piece) all = all && m_byteIds[static_cast<unsigned char>(c)] >= 0;
            if (all) {
                flushUnk();
                // Byte tokens cover the character's bytes one by one.
                for (std::size_t k = 0; k < piece.size(); ++k) {
                    const std::size_t b = std::min(i + k, i + len - 1);
                    const std::size_t e = std::min(i + k + 1, i + len);
                    addSymbol(m_byteIds[static_cast<unsigned char>(piece[k])], k < len ? b : i + len, k < len ? e : i + len);
                }
                i += len;
                continue;
            }
        }
        if (m_unkId >= 0) {
            if (pendingUnk && m_options.fuseUnk) {
                pendingUnk->end = i + len;
            } else {
                flushUnk();
                pendingUnk = SubToken{m_unkId, i, i + len};
            }
        }
        // Without an unknown token the character is dropped, as in Hugging Face.
        i += len;
    }
    flushUnk();

    struct Candidate {
        std::uint32_t rank;
        std::size_t pos;
        std::int32_t newId;
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
    auto pushPair = [&](std::int64_t left) {
        if (left < 0) return;
        const Symbol& a = symbols[static_cast<std::size_t>(left)];
        if (a.next < 0) return;
        const Symbol& b = symbols[static_cast<std::size_t>(a.next)];
        const auto it = m_merges.find(pairKey(a.id, b.id));
        if (it != m_merges.end()) queue.push({it->second.rank, static_cast<std::size_t>(left), it->second.newId});
    };
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) pushPair(static_cast<std::int64_t>(i));
    while (!queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        Symbol& left = symbols[top.pos];
        if (!left.alive || left.next < 0) continue;
        Symbol& right = symbols[static_cast<std::size_t>(left.next)];
        // Entries made stale by an earlier merge no longer describe this pair.
        const auto it = m_merges.find(pairKey(left.id, right.id));
        if (it == m_merges.end() || it->second.newId != top.newId || it->second.rank != top.rank) continue;
        left.id = top.newId;
        left.end = right.end;
        right.alive = false;
        left.next = right.next;
        if (right.next >= 0) symbols[static_cast<std::size_t>(right.next)].prev = static_cast<std::int64_t>(top.pos);
        pushPair(left.prev);
        pushPair(static_cast<std::int64_t>(top.pos));
    }
    for (const Symbol& s : symbols) {
        if (s.alive) out.push_back({s.id, s.begin, s.end});
    }
}

Status BpeModel::tokenize(std::string_view word, std::vector<SubToken>& out) const {
    if (word.empty()) return Status::success();
    if (m_options.ignoreMerges) {
        if (const auto it = m_ids.find(std::string(word)); it != m_ids.end()) {
            out.push_back({it->second, 0, word.size()});
            return Status::success();
        }
    }
    const bool cacheable = word.size() <= kMaxCachedWordBytes;
    std::string key;
    if (cacheable) {
        key.assign(word);
        std::shared_lock lock(m_cacheMutex);
        if (const auto it = m_cache.find(key); it != m_cache.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return Status::success();
        }
    }
    const std::size_t first = out.size();
    mergeWord(word, out);
    if (cacheable) {
        std::unique_lock lock(m_cacheMutex);
        if (m_cache.size() >= kCacheCapacity) m_cache.clear();
        m_cache.emplace(std::move(key), std::vector<SubToken>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
    }
    return Status::success();
}

std::optional<std::int32_t> BpeModel::tokenToId(std::string_view token) const {
    const auto it = m_ids.find(std::string(token));
    if (it == m_ids.end()) return std::nullopt;
    return it->second;
}

std::string BpeModel::idToToken(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= m_tokens.size()) return {};
    return m_tokens[static_cast<std::size_t>(id)];
}

}  // namespace attnviz::core

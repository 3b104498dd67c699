// Byte-pair encoding: a word starts as single characters (or byte tokens
// <0xNN> with byte fallback) and the pair of adjacent symbols with the best
// merge rank is merged until no ranked pair is left. A priority queue over a
// linked list keeps long words O(n log n); results for short words are cached.
#pragma once

#include "subword_model.h"

#include <memory>
#include <shared_mutex>
#include <unordered_map>

namespace attnviz::core {

class BpeModel final : public SubwordModel {
public:
    struct Options {
        std::optional<std::string> unkToken;
        std::string continuingSubwordPrefix;
        std::string endOfWordSuffix;
        bool byteFallback = false;
        bool fuseUnk = false;
        bool ignoreMerges = false;  // a word that is itself in the vocabulary is kept whole
    };

    // `vocab`: token -> id; `merges`: pairs in rank order. `source` names the
    // files in error messages.
    static Result<std::unique_ptr<BpeModel>> create(const std::vector<std::pair<std::string, std::int32_t>>& vocab,
                                                    const std::vector<std::pair<std::string, std::string>>& merges,
                                                    Options options, const std::string& source);

    Status tokenize(std::string_view word, std::vector<SubToken>& out) const override;
    std::optional<std::int32_t> tokenToId(std::string_view token) const override;
    std::string idToToken(std::int32_t id) const override;
    std::int32_t vocabSize() const override { return static_cast<std::int32_t>(m_tokens.size()); }
    bool byteFallback() const { return m_options.byteFallback; }

private:
    BpeModel() = default;
    void mergeWord(std::string_view word, std::vector<SubToken>& out) const;

    struct Merge {
        std::uint32_t rank;
        std::int32_t newId;
    };
    static std::uint64_t pairKey(std::int32_t a, std::int32_t b) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
    }

    Options m_options;
    std::unordered_map<std::string, std::int32_t> m_ids;
    std::vector<std::string> m_tokens;  // by id ("" for holes)
    std::unordered_map<std::uint64_t, Merge> m_merges;
    std::int32_t m_unkId = -1;
    std::int32_t m_byteIds[256];

    static constexpr std::size_t kCacheCapacity = 10000;
    static constexpr std::size_t kMaxCachedWordBytes = 256;
    mutable std::shared_mutex m_cacheMutex;
    mutable std::unordered_map<std::string, std::vector<SubToken>> m_cache;
};

}  // namespace attnviz::core

// Token ids read from tokenizer files (vocab.json, added_tokens.json,
// tokenizer.json, tokenizer_config.json): JSON integers in [0, kMaxTokenId],
// so that `id + 1` (the next free id, a vocabulary size) cannot overflow and
// 2^32 + 5 is refused instead of becoming 5.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace attnviz::core {

inline constexpr std::int32_t kMaxTokenId = std::numeric_limits<std::int32_t>::max() - 1;
// Ids of a model vocabulary index a table (one string per id): no real
// vocabulary comes near this, and a sparse id beyond it would allocate
// gigabytes. Added tokens are kept in maps and may use any id.
inline constexpr std::int32_t kMaxVocabTableId = 1 << 26;
// A vocabulary of `entries` tokens may leave gaps in its ids, but not so
// many that its table is mostly empty: a few bytes of file naming id 2^26
// would otherwise ask for 2 GB.
inline std::int32_t maxVocabTableId(std::size_t entries) {
    const std::uint64_t sparse = 2 * static_cast<std::uint64_t>(entries) + 65536;
    return static_cast<std::int32_t>(std::min<std::uint64_t>(sparse, kMaxVocabTableId));
}

// The id `v` holds, or nullopt when it is not an integer in [0, kMaxTokenId]
// (a float, a string, a negative or too large number).
inline std::optional<std::int32_t> tokenIdFrom(const nlohmann::json& v) {
    if (v.is_number_unsigned()) {
        const auto x = v.get<std::uint64_t>();
        if (x <= static_cast<std::uint64_t>(kMaxTokenId)) return static_cast<std::int32_t>(x);
    } else if (v.is_number_integer()) {
        const auto x = v.get<std::int64_t>();
        if (x >= 0 && x <= kMaxTokenId) return static_cast<std::int32_t>(x);
    }
    return std::nullopt;
}

// The id spelled by `text` (decimal digits only: no sign, space or exponent).
inline std::optional<std::int32_t> tokenIdFrom(std::string_view text) {
    std::int64_t x = 0;
    if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    std::from_chars(text.data(), text.data() + text.size(), x);
    if (x > kMaxTokenId) return std::nullopt;
    return static_cast<std::int32_t>(x);
}

// Why `v` is not an id, for messages: "is 4294967301; ids must be integers
// from 0 to 2147483646".
inline std::string badTokenIdText(const std::string& shown) {
    return "is " + shown + "; ids must be integers from 0 to " + std::to_string(kMaxTokenId);
}
inline std::string badTokenIdText(const nlohmann::json& v) {
    std::string shown = v.dump();
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    return badTokenIdText(shown);
}

}  // namespace attnviz::core

// A compiled PCRE2 pattern in UTF + UCP mode (\p{L}, \p{N} are the real
// Unicode classes), shared read-only between threads: each match call uses
// its own match data. `\s`/`\S` are rewritten to the Unicode White_Space set,
// which is what Python's `regex` and Oniguruma (used by the Hugging Face
// libraries) mean by them; PCRE2 would add U+180E.
#pragma once

#include "aligned_text.h"

#include "attnviz/core/result.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace attnviz::core {

class Pcre2Regex {
public:
    static Result<std::shared_ptr<const Pcre2Regex>> compile(std::string_view pattern);
    ~Pcre2Regex();
    Pcre2Regex(const Pcre2Regex&) = delete;
    Pcre2Regex& operator=(const Pcre2Regex&) = delete;

    // All non-empty, non-overlapping matches in `text` (valid UTF-8), left
    // to right, as byte ranges.
    Result<std::vector<ByteSpan>> findAll(std::string_view text) const;
    const std::string& pattern() const { return m_pattern; }

private:
    Pcre2Regex() = default;

    void* m_code = nullptr;  // pcre2_code_8, kept out of the header
    std::string m_pattern;
};

}  // namespace attnviz::core

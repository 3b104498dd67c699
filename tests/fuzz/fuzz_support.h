// Shared by the libFuzzer targets: a per-process scratch folder (in /dev/shm
// when there is one), file writing, and the invariant checks. A violated
// invariant prints what was wrong and traps, so the fuzzer (or the
// regression driver) stops on silent wrong results as well as on crashes.
#pragma once

#include "attnviz/core/result.h"
#include "attnviz/core/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace attnviz::fuzz {

// Prints "invariant failed: <what> (<detail>)" to stderr and traps.
[[noreturn]] void fail(const char* what, std::string_view detail = {});

#define FUZZ_CHECK(cond, detail)                            \
    do {                                                    \
        if (!(cond)) ::attnviz::fuzz::fail(#cond, detail);  \
    } while (0)

// A folder for this process, created on first use and removed at exit;
// `name` is a subfolder of it (created, emptied of nothing: callers overwrite
// the files they use).
std::filesystem::path scratchDir(const std::string& name);

// Writes bytes to a file; traps when the scratch file system refuses (that is
// the harness failing, not the code under test).
void writeBytes(const std::filesystem::path& path, std::string_view bytes);
std::string readBytes(const std::filesystem::path& path);

// Every error must say something (one line). ATTNVIZ_FUZZ_VERBOSE=1 in the
// environment prints each error, to see how far inputs get.
void checkError(const core::Error& error);
template <typename R>
bool okOrCheckedError(const R& result) {
    if (result) return true;
    checkError(result.takeError());
    return false;
}

bool validUtf8(std::string_view text);

struct TokenizerChecks {
    // decode() and display() must return valid UTF-8 (tokenizer.h promises
    // U+FFFD for bytes that are not).
    bool utf8Output = true;
};

// Encodes a few fixed texts and decodes the ids, checking ids within the
// vocabulary, spans inside the text, valid UTF-8 out, out-of-range ids
// refused with a message; looks at every piece and display string.
void exerciseTokenizer(const core::Tokenizer& tokenizer, const TokenizerChecks& checks = {});

// Encode `text` (and `pair`) and check the result as above; returns the ids.
void checkEncode(const core::Tokenizer& tokenizer, std::string_view text, std::optional<std::string_view> pair,
                 bool addSpecialTokens, const TokenizerChecks& checks);

}  // namespace attnviz::fuzz

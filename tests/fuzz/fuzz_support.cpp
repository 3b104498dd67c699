#include "fuzz_support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

namespace attnviz::fuzz {

void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "invariant failed: %s", what);
    if (!detail.empty()) std::fprintf(stderr, " (%.*s)", static_cast<int>(std::min<std::size_t>(detail.size(), 2000)),
                                      detail.data());
    std::fprintf(stderr, "\n");
    std::fflush(stderr);
    __builtin_trap();
}

namespace {

struct Scratch {
    std::filesystem::path root;
    Scratch() {
        std::error_code ec;
        const std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                          : std::filesystem::temp_directory_path();
        root = base / ("attnviz-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(root, ec);
        if (ec) fail("scratch folder", root.string() + ": " + ec.message());
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
};

}  // namespace

std::filesystem::path scratchDir(const std::string& name) {
    static Scratch scratch;
    const std::filesystem::path dir = scratch.root / name;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail("scratch folder", dir.string() + ": " + ec.message());
    return dir;
}

void writeBytes(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) fail("writing a scratch file", path.string());
}

std::string readBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    if (!in) fail("reading a file", path.string());
    return s.str();
}

void checkError(const core::Error& error) {
    static const bool verbose = std::getenv("ATTNVIZ_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "error: %s\n", error.message.c_str());
    FUZZ_CHECK(!error.message.empty(), "an error without a message");
    FUZZ_CHECK(error.message.find('\n') == std::string::npos, error.message);
}

bool validUtf8(std::string_view text) { return !core::findInvalidUtf8(text).has_value(); }

void checkEncode(const core::Tokenizer& tokenizer, std::string_view text, std::optional<std::string_view> pair,
                 bool addSpecialTokens, const TokenizerChecks& checks) {
    core::EncodeOptions options;
    options.addSpecialTokens = addSpecialTokens;
    if (pair && !tokenizer.supportsPairs()) pair.reset();
    const auto enc = tokenizer.encode(text, pair, options);
    const bool valid = validUtf8(text) && (!pair || validUtf8(*pair));
    if (!enc) {
        checkError(enc.takeError());
        return;
    }
    FUZZ_CHECK(valid, "invalid UTF-8 was encoded without an error");
    const std::int32_t vocab = tokenizer.vocabSize();
    std::vector<std::int32_t> ids;
    for (const core::Token& t : enc->tokens) {
        FUZZ_CHECK(t.id >= 0 && t.id < vocab, "id " + std::to_string(t.id) + " of " + std::to_string(vocab));
        FUZZ_CHECK(t.segment == 0 || (t.segment == 1 && pair), "segment " + std::to_string(t.segment));
        const std::size_t length = t.segment == 0 ? text.size() : pair->size();
        FUZZ_CHECK(t.start <= t.end && t.end <= length,
                   "span " + std::to_string(t.start) + ".." + std::to_string(t.end) + " of " + std::to_string(length));
        if (checks.utf8Output) FUZZ_CHECK(validUtf8(t.display), t.display);
        ids.push_back(t.id);
    }
    const auto decoded = tokenizer.decode(ids);
    FUZZ_CHECK(decoded.ok(), decoded ? std::string() : decoded.error());
    if (checks.utf8Output) FUZZ_CHECK(validUtf8(*decoded), *decoded);
}

void exerciseTokenizer(const core::Tokenizer& tokenizer, const TokenizerChecks& checks) {
    const std::int32_t vocab = tokenizer.vocabSize();
    FUZZ_CHECK(vocab > 0, std::to_string(vocab));
    FUZZ_CHECK(!tokenizer.kind().empty(), "");
    static const char* const kTexts[] = {"Hello world", "hello, World! 123", "", " caf\xc3\xa9 \xe4\xb8\xad  \n a",
                                         "<s>[CLS] a</s>[SEP]<unk>", "\xff bad"};
    for (const char* text : kTexts) checkEncode(tokenizer, text, std::nullopt, true, checks);
    checkEncode(tokenizer, "Hello", std::string_view("world"), true, checks);
    checkEncode(tokenizer, "Hello world", std::nullopt, false, checks);

    // Ids below vocabSize() may be holes (a tokenizer.json's added tokens
    // after a gap): those decode to an error; the others decode together.
    const std::int32_t shown = std::min<std::int32_t>(vocab, 400);
    std::vector<std::int32_t> all;
    for (std::int32_t id = 0; id < shown; ++id) {
        const std::string display = tokenizer.display(id);
        (void)tokenizer.piece(id);
        if (checks.utf8Output) FUZZ_CHECK(validUtf8(display), "display of id " + std::to_string(id));
        const std::int32_t one[] = {id};
        const auto r = tokenizer.decode(one);
        if (!r) {
            checkError(r.takeError());
            continue;
        }
        if (checks.utf8Output) FUZZ_CHECK(validUtf8(*r), "decode of id " + std::to_string(id));
        all.push_back(id);
    }
    const auto decoded = tokenizer.decode(all);
    FUZZ_CHECK(decoded.ok(), decoded ? std::string() : decoded.error());
    if (checks.utf8Output) FUZZ_CHECK(validUtf8(*decoded), *decoded);
    for (std::int32_t bad : {std::int32_t{-1}, vocab}) {
        const std::int32_t one[] = {bad};
        const auto r = tokenizer.decode(one);
        FUZZ_CHECK(!r.ok(), "decode of id " + std::to_string(bad) + " out of range succeeded");
        checkError(r.takeError());
        FUZZ_CHECK(tokenizer.piece(bad).empty(), "piece of an id out of range");
    }
}

}  // namespace attnviz::fuzz

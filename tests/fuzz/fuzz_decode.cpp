// Arbitrary ids decoded by every kind of tokenizer (built from small valid
// files). First byte: the tokenizer (tinyTokenizers() index, modulo); bit 7
// set = the rest is little-endian int32 ids, clear = one byte per id, mapped
// onto -2 .. vocabSize + 1 so that most ids are valid. Ids all within the
// vocabulary must decode to valid UTF-8; any id outside must be refused.
#include "fuzz_support.h"
#include "tiny_tokenizers.h"

#include <cstring>

using namespace attnviz;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const auto& tiny = fuzz::tinyTokenizers();
    const std::size_t index = (data[0] & 0x7F) % tiny.size();
    const core::Tokenizer& tok = fuzz::loadedTinyTokenizer(index);
    const std::int32_t vocab = tok.vocabSize();
    std::vector<std::int32_t> ids;
    if ((data[0] & 0x80) != 0) {
        for (std::size_t i = 1; i + 4 <= size; i += 4) {
            std::uint32_t v = 0;
            for (int b = 3; b >= 0; --b) v = v << 8 | data[i + static_cast<std::size_t>(b)];
            std::int32_t id;
            std::memcpy(&id, &v, sizeof id);
            ids.push_back(id);
        }
    } else {
        // Spread 256 byte values over the vocabulary and two ids each side.
        for (std::size_t i = 1; i < size; ++i)
            ids.push_back(static_cast<std::int32_t>(static_cast<std::int64_t>(data[i]) * (vocab + 4) / 256) - 2);
    }
    bool inRange = true;
    for (std::int32_t id : ids) {
        inRange = inRange && id >= 0 && id < vocab;
        FUZZ_CHECK(fuzz::validUtf8(tok.display(id)), tiny[index].name + ": display of " + std::to_string(id));
    }
    const auto decoded = tok.decode(ids);
    if (!inRange) {
        FUZZ_CHECK(!decoded.ok(), tiny[index].name + ": ids out of range decoded");
        fuzz::checkError(decoded.takeError());
        return 0;
    }
    FUZZ_CHECK(decoded.ok(), tiny[index].name + (decoded ? std::string() : ": " + decoded.error()));
    FUZZ_CHECK(fuzz::validUtf8(*decoded), tiny[index].name + ": " + *decoded);
    return 0;
}

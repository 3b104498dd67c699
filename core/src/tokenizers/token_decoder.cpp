#include "token_decoder.h"

#include "byte_level.h"
#include "slow_decode.h"
#include "unicode_text.h"

#include "attnviz/core/tokenizer.h"

#include <cstdlib>

namespace attnviz::core {
namespace {

void replaceAll(std::string& s, std::string_view from, std::string_view to) {
    if (from.empty()) return;
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
        s.replace(at, from.size(), to);
    }
}

// Byte token "<0x41>" -> 0x41, else -1.
int byteTokenValue(const std::string& t) {
    if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return -1;
    char* end = nullptr;
    const long v = std::strtol(t.c_str() + 3, &end, 16);
    return end == t.c_str() + 5 ? static_cast<int>(v) : -1;
}

}  // namespace

std::string TokenDecoder::decode(std::vector<std::string> tokens) const {
    for (const Step& step : m_steps) {
        switch (step.kind) {
        case Kind::ByteLevel: {
            std::string bytes;
            for (const std::string& t : tokens) {
                std::string b;
                if (byte_level::toBytes(t, b)) {
                    bytes += b;
                } else {
                    bytes += t;
                }
            }
            tokens = {unicode::toValidUtf8(std::move(bytes))};
            break;
        }
        case Kind::WordPiece:
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                std::string& t = tokens[i];
                if (i != 0) {
                    if (t.compare(0, step.pattern.size(), step.pattern) == 0) {
                        t.erase(0, step.pattern.size());
                    } else {
                        t.insert(0, " ");
                    }
                }
                if (step.cleanup) cleanUpTokenizationSpaces(t);
            }
            break;
        case Kind::Metaspace:
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                replaceAll(tokens[i], step.pattern, " ");
                if (i == 0 && step.prependFirst && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
            }
            break;
        case Kind::Replace:
            for (std::string& t : tokens) {
                if (step.regex) {
                    auto found = step.regex->findAll(t);
                    if (!found) continue;
                    std::string out;
                    std::size_t pos = 0;
                    for (const ByteSpan& m : found.value()) {
                        out.append(t, pos, m.start - pos);
                        out += step.content;
                        pos = m.end;
                    }
                    out.append(t, pos);
                    t = std::move(out);
                } else {
                    replaceAll(t, step.pattern, step.content);
                }
            }
            break;
        case Kind::ByteFallback: {
            std::vector<std::string> out;
            std::string pending;
            std::size_t pendingCount = 0;
            auto flush = [&]() {
                if (pendingCount == 0) return;
                if (findInvalidUtf8(pending)) {
                    for (std::size_t k = 0; k < pendingCount; ++k) out.emplace_back("\xEF\xBF\xBD");
                } else {
                    out.push_back(pending);
                }
                pending.clear();
                pendingCount = 0;
            };
            for (std::string& t : tokens) {
                const int v = byteTokenValue(t);
                if (v >= 0) {
                    pending += static_cast<char>(v);
                    ++pendingCount;
                } else {
                    flush();
                    out.push_back(std::move(t));
                }
            }
            flush();
            tokens = std::move(out);
            break;
        }
        case Kind::Fuse: {
            std::string all;
            for (const std::string& t : tokens) all += t;
            tokens = {all};
            break;
        }
        case Kind::Strip:
            for (std::string& t : tokens) {
                const std::string& c = step.content;
                if (c.empty()) continue;
                for (std::size_t k = 0; k < step.start && t.compare(0, c.size(), c) == 0; ++k) t.erase(0, c.size());
                for (std::size_t k = 0; k < step.stop && t.size() >= c.size() &&
                                        t.compare(t.size() - c.size(), c.size(), c) == 0;
                     ++k) {
                    t.erase(t.size() - c.size());
                }
            }
            break;
        case Kind::BpeSuffix:
            for (std::size_t i = 0; i < tokens.size(); ++i) {
                replaceAll(tokens[i], step.pattern, i + 1 == tokens.size() ? "" : " ");
            }
            break;
        }
    }
    std::string out;
    for (const std::string& t : tokens) out += t;
    return out;
}

}  // namespace attnviz::core

#include "attnviz/core/run_alignment.h"

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <optional>

namespace attnviz::core {
namespace {

// Above this many cells the common-subsequence table is not built.
constexpr std::size_t kMaxTableCells = std::size_t{32} << 20;  // 64 MB of uint16

// For each byte of `a`, the byte of `b` it matches in a longest common
// subsequence (or -1). Empty when the table would be too large.
std::optional<std::vector<int>> commonBytes(const std::string& a, const std::string& b) {
    std::vector<int> map(a.size(), -1);
    // The shared beginning and end need no table.
    std::size_t pre = 0;
    while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) {
        map[pre] = static_cast<int>(pre);
        ++pre;
    }
    std::size_t suf = 0;
    while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) {
        map[a.size() - 1 - suf] = static_cast<int>(b.size() - 1 - suf);
        ++suf;
    }
    const std::size_t n = a.size() - pre - suf;
    const std::size_t m = b.size() - pre - suf;
    if (n == 0 || m == 0) return map;
    if ((n + 1) > kMaxTableCells / (m + 1)) return std::nullopt;
    // len[i][j]: LCS of a[pre+i..] and b[pre+j..] (suffixes), capped at 65535.
    std::vector<std::uint16_t> len((n + 1) * (m + 1), 0);
    const auto at = [&](std::size_t i, std::size_t j) -> std::uint16_t& { return len[i * (m + 1) + j]; };
    for (std::size_t i = n; i-- > 0;) {
        for (std::size_t j = m; j-- > 0;) {
            if (a[pre + i] == b[pre + j]) {
                at(i, j) = static_cast<std::uint16_t>(std::min<int>(65535, at(i + 1, j + 1) + 1));
            } else {
                at(i, j) = std::max(at(i + 1, j), at(i, j + 1));
            }
        }
    }
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < n && j < m) {
        if (a[pre + i] == b[pre + j]) {
            map[pre + i] = static_cast<int>(pre + j);
            ++i;
            ++j;
        } else if (at(i + 1, j) >= at(i, j + 1)) {
            ++i;
        } else {
            ++j;
        }
    }
    return map;
}

struct UnionFind {
    std::vector<int> parent;
    explicit UnionFind(int n) : parent(static_cast<std::size_t>(n)) { std::iota(parent.begin(), parent.end(), 0); }
    int find(int x) {
        while (parent[static_cast<std::size_t>(x)] != x) x = parent[static_cast<std::size_t>(x)] = parent[static_cast<std::size_t>(parent[static_cast<std::size_t>(x)])];
        return x;
    }
    void join(int x, int y) { parent[static_cast<std::size_t>(find(x))] = find(y); }
};

bool hasSpan(const Token& t) { return t.end > t.start; }

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::string RunAlignment::description() const {
    switch (method) {
    case Method::SameTokens: return "the same " + std::to_string(tokensA) + " tokens";
    case Method::CharacterSpans:
        return "aligned by character spans: " + std::to_string(matchedA) + " of " + std::to_string(tokensA) + " and " +
               std::to_string(matchedB) + " of " + std::to_string(tokensB) + " tokens matched, in " +
               std::to_string(units.size()) + " units";
    case Method::Position:
        return "aligned by position (the texts are too long to align by characters): the first " +
               std::to_string(units.size()) + " tokens";
    }
    return {};
}

RunAlignment alignByPosition(int tokensA, int tokensB) {
    RunAlignment r;
    r.method = RunAlignment::Method::Position;
    r.tokensA = tokensA;
    r.tokensB = tokensB;
    const int n = std::min(tokensA, tokensB);
    for (int i = 0; i < n; ++i) r.units.push_back({{i}, {i}});
    r.matchedA = r.matchedB = n;
    return r;
}

RunAlignment alignRuns(const std::vector<Token>& a, const std::vector<std::string>& textsA, const std::vector<Token>& b,
                       const std::vector<std::string>& textsB) {
    const int na = static_cast<int>(a.size());
    const int nb = static_cast<int>(b.size());
    const bool same = na == nb && std::equal(a.begin(), a.end(), b.begin(), [](const Token& x, const Token& y) {
                          return x.id == y.id && x.segment == y.segment;
                      }) && textsA == textsB;
    if (same) {
        RunAlignment r = alignByPosition(na, nb);
        r.method = RunAlignment::Method::SameTokens;
        return r;
    }
    // Per segment: A's bytes to B's, and B's bytes to its tokens.
    const std::size_t segments = std::min(textsA.size(), textsB.size());
    std::vector<std::vector<int>> maps;
    std::vector<std::vector<int>> ownerB(segments);
    for (std::size_t s = 0; s < segments; ++s) {
        auto map = commonBytes(textsA[s], textsB[s]);
        if (!map) return alignByPosition(na, nb);
        maps.push_back(std::move(*map));
        ownerB[s].assign(textsB[s].size(), -1);
    }
    for (int j = 0; j < nb; ++j) {
        const Token& t = b[static_cast<std::size_t>(j)];
        const auto s = static_cast<std::size_t>(t.segment);
        if (!hasSpan(t) || s >= segments) continue;
        for (std::size_t k = t.start; k < t.end && k < ownerB[s].size(); ++k) ownerB[s][k] = j;
    }
    // Union-find over A's tokens (0..na) and B's (na..na+nb).
    UnionFind uf(na + nb);
    std::vector<char> linked(static_cast<std::size_t>(na + nb), 0);
    for (int i = 0; i < na; ++i) {
        const Token& t = a[static_cast<std::size_t>(i)];
        const auto s = static_cast<std::size_t>(t.segment);
        if (!hasSpan(t) || s >= segments) continue;
        // Spaces link nothing (a word's leading space would join it to
        // whatever word the other text has there), unless the token is
        // nothing but spaces.
        bool onlySpace = true;
        for (std::size_t k = t.start; k < t.end && k < textsA[s].size(); ++k) onlySpace = onlySpace && isSpace(textsA[s][k]);
        for (std::size_t k = t.start; k < t.end && k < maps[s].size(); ++k) {
            if (!onlySpace && isSpace(textsA[s][k])) continue;
            const int byte = maps[s][k];
            const int j = byte >= 0 ? ownerB[s][static_cast<std::size_t>(byte)] : -1;
            if (j < 0) continue;
            uf.join(i, na + j);
            linked[static_cast<std::size_t>(i)] = linked[static_cast<std::size_t>(na + j)] = 1;
        }
    }
    // Added specials (empty spans) pair up in order before the first and
    // after the last token with text.
    const auto pairEnds = [&](bool leading) {
        std::vector<int> sa;
        std::vector<int> sb;
        for (int i = 0; i < na; ++i) {
            const int k = leading ? i : na - 1 - i;
            if (hasSpan(a[static_cast<std::size_t>(k)])) break;
            sa.push_back(k);
        }
        for (int j = 0; j < nb; ++j) {
            const int k = leading ? j : nb - 1 - j;
            if (hasSpan(b[static_cast<std::size_t>(k)])) break;
            sb.push_back(k);
        }
        for (std::size_t k = 0; k < std::min(sa.size(), sb.size()); ++k) {
            if (linked[static_cast<std::size_t>(sa[k])] || linked[static_cast<std::size_t>(na + sb[k])]) continue;
            uf.join(sa[k], na + sb[k]);
            linked[static_cast<std::size_t>(sa[k])] = linked[static_cast<std::size_t>(na + sb[k])] = 1;
        }
    };
    pairEnds(true);
    pairEnds(false);

    RunAlignment r;
    r.method = RunAlignment::Method::CharacterSpans;
    r.tokensA = na;
    r.tokensB = nb;
    std::vector<int> unitOf(static_cast<std::size_t>(na + nb), -1);
    for (int x = 0; x < na + nb; ++x) {
        if (!linked[static_cast<std::size_t>(x)]) continue;
        const int root = uf.find(x);
        int& u = unitOf[static_cast<std::size_t>(root)];
        if (u < 0) {
            u = static_cast<int>(r.units.size());
            r.units.emplace_back();
        }
        if (x < na) {
            r.units[static_cast<std::size_t>(u)].a.push_back(x);
            ++r.matchedA;
        } else {
            r.units[static_cast<std::size_t>(u)].b.push_back(x - na);
            ++r.matchedB;
        }
    }
    // Units in the order of their first token in A (every unit has one: links join an A and a B token).
    std::sort(r.units.begin(), r.units.end(), [](const AlignedUnit& x, const AlignedUnit& y) { return x.a.front() < y.a.front(); });
    return r;
}

}  // namespace attnviz::core

#include "window/word_link.h"

#include <algorithm>

namespace attnviz::ui {
namespace {

// "␣it", "Ġit", "▁it", " it" -> "it".
QString bare(const QString& text) {
    QString t = text;
    t.remove(QChar(0x2423)).remove(QChar(0x0120)).remove(QChar(0x2581));
    return t.trimmed().toLower();
}

}  // namespace

std::optional<TokenSpan> findWord(const std::vector<TokenLabel>& tokens, const QString& word) {
    const QString want = word.trimmed().toLower();
    if (want.isEmpty()) return std::nullopt;
    std::optional<TokenSpan> found;
    for (int first = 0; first < static_cast<int>(tokens.size()); ++first) {
        if (tokens[static_cast<std::size_t>(first)].special) continue;
        QString joined;
        for (int k = first; k < static_cast<int>(tokens.size()) && joined.size() < want.size(); ++k) {
            const QString part = bare(tokens[static_cast<std::size_t>(k)].text);
            // A later token of the word must not start a new word.
            if (k > first && tokens[static_cast<std::size_t>(k)].text.startsWith(QChar(0x2423))) break;
            joined += part;
            if (joined == want) found = TokenSpan{first, k - first + 1};
        }
    }
    return found;
}

std::vector<WordLink> rankWordLinks(const core::AttentionTrace& trace, TokenSpan query, TokenSpan key) {
    const int T = trace.seqLen();
    const int q = query.first + query.count - 1;
    std::vector<WordLink> out;
    if (q < 0 || q >= T || key.first < 0 || key.first + key.count > T) return out;
    for (int l = 0; l < trace.nLayers(); ++l) {
        for (int h = 0; h < trace.nHeads(); ++h) {
            double sum = 0;
            for (int k = key.first; k < key.first + key.count; ++k) sum += trace.prob(l, h, q, k);
            out.push_back({{l, h}, sum});
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const WordLink& a, const WordLink& b) { return a.attention > b.attention; });
    return out;
}

}  // namespace attnviz::ui

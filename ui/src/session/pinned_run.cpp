#include "attnviz/ui/session/pinned_run.h"

#include <QObject>

#include <algorithm>

namespace attnviz::ui {
namespace {

// The texts the result's token spans index: the text (and the pair) of a
// single-stack model; the source or the typed target of an encoder-decoder one.
std::vector<std::string> segmentTexts(const SessionResult& r, const SessionInput& input) {
    if (r.kind) {
        if (*r.kind == AttentionKind::Encoder) return {input.text.toStdString()};
        return {input.target.toStdString()};
    }
    std::vector<std::string> texts{input.text.toStdString()};
    if (input.usePair) texts.push_back(input.pair.toStdString());
    return texts;
}

bool anySpan(const std::vector<core::Token>& tokens) {
    return std::any_of(tokens.begin(), tokens.end(), [](const core::Token& t) { return t.end > t.start; });
}

QString joined(const SessionResult& r, const std::vector<int>& tokens) {
    QString s;
    for (int i : tokens) s += r.tokens[static_cast<std::size_t>(i)].text;
    return s;
}

}  // namespace

QString PinnedRun::label() const {
    if (!result) return {};
    QString text = input.text.simplified();
    if (text.size() > 32) text = text.left(30) + QStringLiteral("\u2026");
    return QStringLiteral("%1 · %2%3 · \u201c%4\u201d")
        .arg(result->modelName, result->kindPrefix(), maskLabel(result->trace->mask()), text);
}

QString headChangeFormula() {
    return QObject::tr("Rows between aligned units: a unit's row is the mean over its query tokens of the weight its "
                       "key tokens get, divided by the row's weight on matched units. Heads ranked by the mean over rows "
                       "of JSD(P, Q) = \u00bd KL(P \u2016 M) + \u00bd KL(Q \u2016 M), M = (P + Q) / 2, natural log "
                       "(0 = the same, ln 2 \u2248 0.693 = disjoint).");
}

QString comparisonProblem(const SessionResult& live, const PinnedRun& pinned) {
    if (!pinned.result) return QObject::tr("Nothing is pinned.");
    if (live.isCross() || pinned.result->isCross()) {
        return QObject::tr("Cross-attention is not compared: choose encoder or decoder attention above.");
    }
    if (live.trace->firstRow() != 0 || pinned.result->trace->firstRow() != 0) {
        return QObject::tr("One of the runs holds only some rows of attention.");
    }
    return {};
}

std::shared_ptr<const RunComparison> compareRuns(std::shared_ptr<const SessionResult> live, const SessionInput& liveInput,
                                                 const PinnedRun& pinned, const std::atomic<bool>* cancel) {
    auto c = std::make_shared<RunComparison>();
    c->live = live;
    c->pinned = pinned.result;
    const std::vector<core::Token>& a = live->run->tokens;
    const std::vector<core::Token>& b = pinned.result->run->tokens;
    if (anySpan(a) && anySpan(b)) {
        c->alignment = core::alignRuns(a, segmentTexts(*live, liveInput), b, segmentTexts(*pinned.result, pinned.input));
    } else {
        // Typed token ids: the same ids one to one, else by position.
        c->alignment = core::alignRuns(a, {}, b, {});
        if (c->alignment.method != core::RunAlignment::Method::SameTokens) {
            c->alignment = core::alignByPosition(static_cast<int>(a.size()), static_cast<int>(b.size()));
        }
    }
    c->ranking = core::rankHeadChanges(*live->trace, *pinned.result->trace, c->alignment, cancel);
    c->commonLayers = std::min(live->trace->nLayers(), pinned.result->trace->nLayers());
    c->commonHeads = std::min(live->trace->nHeads(), pinned.result->trace->nHeads());
    for (const core::AlignedUnit& u : c->alignment.units) {
        c->unitLabels << joined(*live, u.a);
        c->pinnedUnitLabels << joined(*pinned.result, u.b);
        c->unitTokens.push_back(u.a.front());
    }
    return c;
}

}  // namespace attnviz::ui

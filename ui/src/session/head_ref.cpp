#include "attnviz/ui/session/head_ref.h"

#include <QRegularExpression>

namespace attnviz::ui {

QString HeadRef::label() const {
    return isMean() ? QStringLiteral("L%1 mean").arg(layer) : QStringLiteral("L%1 H%2").arg(layer).arg(head);
}

QString kvGroupText(int head, int nHeads, int nKvHeads) {
    if (head < 0 || nKvHeads <= 0 || nKvHeads >= nHeads || nHeads % nKvHeads != 0) return {};
    const int group = nHeads / nKvHeads;
    const int kv = head / group;
    return QStringLiteral("KV head %1 (H%2-H%3)").arg(kv).arg(kv * group).arg(kv * group + group - 1);
}

core::Result<std::vector<HeadRef>> parseHeadList(const QString& text, int nLayers, int nHeads) {
    std::vector<HeadRef> out;
    const QStringList items = text.split(QRegularExpression(QStringLiteral("[,;\\s]+")), Qt::SkipEmptyParts);
    for (const QString& item : items) {
        const QStringList parts = item.split(QLatin1Char(':'));
        bool okLayer = false;
        bool okHead = false;
        HeadRef ref;
        if (parts.size() == 2) {
            ref.layer = parts[0].toInt(&okLayer);
            if (parts[1].compare(QStringLiteral("mean"), Qt::CaseInsensitive) == 0) {
                ref.head = -1;
                okHead = true;
            } else {
                ref.head = parts[1].toInt(&okHead);
            }
        }
        if (!okLayer || !okHead) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   "'" + item.toStdString() +
                                       "' is not a head: write layer:head, 0-based, e.g. 0:1,2:3");
        }
        if (ref.layer < 0 || ref.layer >= nLayers) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   "'" + item.toStdString() + "': layer must be 0.." + std::to_string(nLayers - 1));
        }
        if (ref.head >= nHeads || ref.head < -1) {
            return core::makeError(core::ErrorCode::InvalidInput,
                                   "'" + item.toStdString() + "': head must be 0.." + std::to_string(nHeads - 1));
        }
        out.push_back(ref);
    }
    return out;
}

QString formatHeadList(const std::vector<HeadRef>& heads) {
    QStringList parts;
    for (const HeadRef& h : heads) {
        parts << (h.isMean() ? QStringLiteral("%1:mean").arg(h.layer) : QStringLiteral("%1:%2").arg(h.layer).arg(h.head));
    }
    return parts.join(QStringLiteral(", "));
}

}  // namespace attnviz::ui

#include "plot/token_ticker.h"

#include "plot/plot_canvas.h"

#include <QFontMetrics>

#include <algorithm>
#include <cmath>

namespace attnviz::ui {

QString TokenTicker::shownLabel(const QString& label) {
    return label.size() > kMaxLabelChars ? label.left(kMaxLabelChars - 1) + QStringLiteral("…") : label;
}

int TokenTicker::labelRoom(const QStringList& labels) {
    const QFontMetrics fm(PlotCanvas::font(12));
    int widest = 0;
    for (const QString& l : labels) widest = std::max(widest, fm.horizontalAdvance(shownLabel(l)));
    return widest;
}

void TokenTicker::setLabels(const QStringList& labels) {
    m_labels.clear();
    for (const QString& l : labels) m_labels << shownLabel(l);
}

double TokenTicker::getTickStep(const QCPRange&) { return m_step; }

int TokenTicker::getSubTickCount(double) { return 0; }

QVector<double> TokenTicker::createTickVector(double, const QCPRange& range) {
    QVector<double> ticks;
    const int n = static_cast<int>(m_labels.size());
    const int first = std::max(0, static_cast<int>(std::ceil(range.lower)));
    const int last = std::min(n - 1, static_cast<int>(std::floor(range.upper)));
    // Multiples of the step, so the same tokens keep their labels while panning.
    for (int i = (first + m_step - 1) / m_step * m_step; i <= last; i += m_step) ticks << i;
    return ticks;
}

QString TokenTicker::getTickLabel(double tick, const QLocale&, QChar, int) {
    const int i = static_cast<int>(std::lround(tick));
    return i >= 0 && i < m_labels.size() ? m_labels[i] : QString();
}

}  // namespace attnviz::ui

// Axis ticks at token positions 0..n-1 labelled with the token texts, every
// step-th token only when the cells are too small for every label.
#pragma once

#include <qcustomplot.h>

#include <QStringList>

namespace attnviz::ui {

class TokenTicker : public QCPAxisTicker {
public:
    // Labels longer than this many characters are shortened with "…".
    static constexpr int kMaxLabelChars = 16;

    // A label as the axes show it: longer than kMaxLabelChars, shortened with "…".
    static QString shownLabel(const QString& label);
    // The widest of `labels` as the axes show them, in pixels at the 12 px
    // axis font: the room a figure keeps for its token labels (0 for none).
    static int labelRoom(const QStringList& labels);

    void setLabels(const QStringList& labels);
    const QStringList& labels() const { return m_labels; }
    void setStep(int step) { m_step = step < 1 ? 1 : step; }
    int step() const { return m_step; }

protected:
    double getTickStep(const QCPRange& range) override;
    int getSubTickCount(double tickStep) override;
    QVector<double> createTickVector(double tickStep, const QCPRange& range) override;
    QString getTickLabel(double tick, const QLocale& locale, QChar formatChar, int precision) override;

private:
    QStringList m_labels;
    int m_step = 1;
};

}  // namespace attnviz::ui

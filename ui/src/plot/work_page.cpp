#include "plot/work_page.h"

#include <QLabel>
#include <algorithm>
#include <QProgressBar>
#include <QPushButton>
#include <QVBoxLayout>

namespace attnviz::ui {

WorkPage::WorkPage(QWidget* parent) : QWidget(parent) {
    setAutoFillBackground(true);
    m_text = new QLabel(this);
    m_text->setAlignment(Qt::AlignCenter);
    m_text->setWordWrap(true);
    m_text->setTextFormat(Qt::PlainText);
    m_bar = new QProgressBar(this);
    m_bar->setRange(0, 1000);
    m_bar->setTextVisible(true);
    m_bar->setFormat(QStringLiteral("%p %"));
    m_bar->setMaximumWidth(420);
    m_button = new QPushButton(this);
    m_button->setAutoDefault(false);
    connect(m_button, &QPushButton::clicked, this, &WorkPage::buttonClicked);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(24, 24, 24, 24);
    layout->setSpacing(12);
    layout->addStretch(1);
    layout->addWidget(m_text);
    layout->addWidget(m_bar, 0, Qt::AlignHCenter);
    layout->addWidget(m_button, 0, Qt::AlignHCenter);
    layout->addStretch(1);
}

void WorkPage::showWork(const QString& text, int permille, const QString& button) {
    m_text->setText(text);
    m_bar->setVisible(permille >= 0);
    setProgress(permille);
    m_button->setText(button);
    m_button->setVisible(!button.isEmpty());
}

void WorkPage::setProgress(int permille) { m_bar->setValue(std::clamp(permille, 0, 1000)); }

QString WorkPage::text() const { return m_text->text(); }

QString WorkPage::buttonText() const { return m_button->isHidden() ? QString() : m_button->text(); }

int WorkPage::progress() const { return m_bar->isHidden() ? -1 : m_bar->value(); }

}  // namespace attnviz::ui

// The message line above the views: a problem (red) or a hint (amber), hidden
// when there is nothing to say. It says what goes wrong in the session (a
// model that does not load, a run that fails) and how to type for a model
// without a readable tokenizer.
#pragma once

#include <QLabel>

namespace attnviz::ui {

class SessionModel;

class Banner : public QLabel {
    Q_OBJECT

public:
    explicit Banner(QWidget* parent = nullptr);

    // "" hides the banner.
    void showMessage(const QString& text, bool error);
    // An error that stays above every hint and result until cleared with ""
    // (a model asked for at start that could not be opened).
    void setStickyError(const QString& text);
    // The message shown ("" when hidden).
    QString message() const;
    // Shows the session's load and compute failures and tokenizer notes.
    void follow(SessionModel* session);

private:
    QString m_sticky;
};

}  // namespace attnviz::ui

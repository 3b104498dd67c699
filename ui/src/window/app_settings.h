// What the window remembers between runs, stored with QSettings
// (organisation and application "attnviz").
#pragma once

#include "attnviz/core/generation.h"
#include "attnviz/ui/plot/view_style.h"

#include <QByteArray>
#include <QSettings>
#include <QString>
#include <QStringList>

namespace attnviz::ui {

class AppSettings {
public:
    static constexpr int kMaxRecentModels = 8;

    AppSettings();

    QByteArray windowGeometry() const;
    void setWindowGeometry(const QByteArray& geometry);
    QByteArray windowState() const;
    void setWindowState(const QByteArray& state);

    ViewStyle viewStyle() const;
    void setViewStyle(const ViewStyle& style);
    // The overview's grouping of query heads by KV head (GQA models).
    bool groupByKv() const;
    void setGroupByKv(bool grouped);

    QString lastModel() const;
    void setLastModel(const QString& dir);
    QString lastText() const;
    void setLastText(const QString& text);
    QString lastPair() const;
    void setLastPair(const QString& text);

    QString exportDir() const;
    void setExportDir(const QString& dir);
    double exportScale() const;
    void setExportScale(double scale);
    bool showSteps() const;
    // The first-run tour was shown (and closed) once.
    // How to generate (Generation tab): new tokens, temperature, top-k, seed.
    core::GenerateOptions generateOptions() const;
    void setGenerateOptions(const core::GenerateOptions& options);
    bool tourSeen() const;
    void setTourSeen(bool seen);
    void setShowSteps(bool show);
    bool predictionsWanted() const;
    void setPredictionsWanted(bool wanted);
    QString analysisKind() const;  // analysisKindName, "" when never chosen
    void setAnalysisKind(const QString& name);
    QString attentionKind() const;  // attentionKindName, "" when never chosen
    // The head on screen ("L:H", H -1 for the layer mean; "" when never
    // chosen), the open tab (-1: never chosen) and the mask ("default" when
    // never chosen), restored at the next start.
    QString lastHead() const;
    void setLastHead(const QString& head);
    int lastTab() const;
    void setLastTab(int index);
    QString lastMask() const;
    void setLastMask(const QString& mask);
    void setAttentionKind(const QString& name);
    QString lastTarget() const;     // the target of encoder-decoder models
    void setLastTarget(const QString& text);

    // Folders the user added to the Models window's search.
    QStringList addedModelFolders() const;
    void setAddedModelFolders(const QStringList& folders);

    QStringList recentModels() const;
    // Moves `dir` to the front of the recent list (at most kMaxRecentModels).
    void addRecentModel(const QString& dir);
    void removeRecentModel(const QString& dir);

private:
    QSettings m_settings;
};

}  // namespace attnviz::ui

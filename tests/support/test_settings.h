// Gives a test process its own QSettings store, so tests that run at the same
// time (ctest -j) never read each other's remembered state.
#pragma once

#include <QString>

namespace attnviz::test {

// Points QSettings' user scope (native and INI formats) and XDG_CONFIG_HOME,
// for child processes, at `dir`. Returns whether the store the app uses
// (QSettings("attnviz", "attnviz")) now lies below `dir`. Call it before the
// first QSettings use. (QStandardPaths' test mode is not enough: it sends
// every test process to the same ~/.qttest/config.)
bool isolateSettings(const QString& dir);

}  // namespace attnviz::test

// A folder of tokenizer files from a test's data row. Qt-using, so kept out
// of tiny_files.{h,cpp}, which the Qt-free fuzz build compiles too.
#pragma once

#include "attnviz/core/result.h"

#include <QByteArrayList>

#include <filesystem>

namespace attnviz::test {

// Writes each "name=content" entry of `files` as root/name (content may hold
// any bytes, '=' included); stops at the first file that cannot be written.
core::Status writeFiles(const std::filesystem::path& root, const QByteArrayList& files);

}  // namespace attnviz::test

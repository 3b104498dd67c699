// Unwrapping a core::Result inside a Qt Test function: a fixture that cannot
// be made fails the one test with its message instead of ending the process.
//
//   ATTNVIZ_UNWRAP(dir, test::writeFixture(m_tmp, "tiny-gpt2"));
//   auto model = core::loadModel(dir);
#pragma once

#include "attnviz/core/result.h"

#include <QtTest>

#include <utility>

// The message of a failed Result or Status, "" for a good one (error() must
// not be called on a good one).
#define ATTNVIZ_RESULT_MESSAGE(r) ((r).ok() ? "" : (r).error().c_str())

// Declares `var` holding the value of the Result `expr`, or fails the test.
#define ATTNVIZ_UNWRAP(var, expr)                                       \
    auto var##Result_ = (expr);                                         \
    QVERIFY2(var##Result_.ok(), ATTNVIZ_RESULT_MESSAGE(var##Result_)); \
    auto var = std::move(var##Result_.value())

// Assigns the value of the Result `expr` to the lvalue `target`, or fails the test.
#define ATTNVIZ_UNWRAP_TO(target, expr)                                      \
    do {                                                                     \
        auto result_ = (expr);                                               \
        QVERIFY2(result_.ok(), ATTNVIZ_RESULT_MESSAGE(result_));             \
        (target) = std::move(result_.value());                               \
    } while (false)

// Fails the test when the Status or Result `expr` holds an error.
#define ATTNVIZ_VERIFY_OK(expr)                                 \
    do {                                                        \
        const auto& status_ = (expr);                           \
        QVERIFY2(status_.ok(), ATTNVIZ_RESULT_MESSAGE(status_)); \
    } while (false)

namespace attnviz::test {

// An error code as QCOMPARE prints it ("corrupt file"), so a mismatch reads well.
inline QString codeName(core::ErrorCode code) { return QString::fromUtf8(core::errorCodeName(code).data()); }

}  // namespace attnviz::test

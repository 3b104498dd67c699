// Result<T> and Status: how every fallible core call reports failure.
// No exception leaves attnviz_core; callers get a value or an Error: a code
// that says what kind of failure it is (callers branch on it, never on the
// text) and a message that names the file, tensor or field and what was
// expected (for people).
//
//   Result<ModelConfig> cfg = ModelConfig::fromFile(dir / "config.json");
//   if (!cfg) { std::cerr << cfg.error() << "\n"; return 1; }
//   if (cfg.code() == ErrorCode::Unsupported) offerTheListOfSupportedTypes();
//   use(cfg.value());
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace attnviz::core {

enum class ErrorCode {
    InvalidInput,  // what the user typed or passed (text, ids, options, arguments) is not acceptable
    Unsupported,   // a valid file or request that attnviz does not handle (architecture, tokenizer feature)
    Cancelled,     // the caller's cancel flag stopped the work
    OutOfMemory,   // an allocation failed or would exceed a budget
    Io,            // a file or folder could not be opened, read or written
    CorruptFile,   // a file's content is malformed, truncated or inconsistent
    Internal,      // a broken invariant of attnviz itself (a bug)
};

// "invalid input", "unsupported", "cancelled", ...
std::string_view errorCodeName(ErrorCode code);

// The failure half of a Result.
struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
};

inline Error makeError(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

// The same kind of failure with more context in front: "induction: " + message.
inline Error prefixError(std::string_view prefix, Error error) {
    error.message.insert(0, prefix);
    return error;
}

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_state.index() == 0; }
    explicit operator bool() const { return ok(); }

    T& value() & { assert(ok()); return std::get<0>(m_state); }
    const T& value() const& { assert(ok()); return std::get<0>(m_state); }
    T&& value() && { assert(ok()); return std::get<0>(std::move(m_state)); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }

    const std::string& error() const { assert(!ok()); return std::get<1>(m_state).message; }
    ErrorCode code() const { assert(!ok()); return std::get<1>(m_state).code; }
    Error takeError() const { return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

// A Result without a value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error)) {}
    static Status success() { return {}; }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { assert(!ok()); return m_error->message; }
    ErrorCode code() const { assert(!ok()); return m_error->code; }
    Error takeError() const { return *m_error; }

private:
    std::optional<Error> m_error;
};

}  // namespace attnviz::core

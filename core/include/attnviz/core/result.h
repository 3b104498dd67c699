// Result<T> and Status: how every fallible core call reports failure.
// No exception leaves attnviz_core; callers get a value or a message that names
// the file, tensor or field and what was expected.
//
//   Result<ModelConfig> cfg = ModelConfig::fromFile(dir / "config.json");
//   if (!cfg) { std::cerr << cfg.error() << "\n"; return 1; }
//   use(cfg.value());
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace attnviz::core {

// The failure half of a Result: a human-readable message.
struct Error {
    std::string message;
};

inline Error makeError(std::string message) { return Error{std::move(message)}; }

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
    Error takeError() const { return std::get<1>(m_state); }

private:
    std::variant<T, Error> m_state;
};

// A Result without a value.
class [[nodiscard]] Status {
public:
    Status() = default;
    Status(Error error) : m_error(std::move(error.message)) {}
    static Status success() { return {}; }

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const std::string& error() const { assert(!ok()); return *m_error; }
    Error takeError() const { return Error{*m_error}; }

private:
    std::optional<std::string> m_error;
};

}  // namespace attnviz::core

// Text read from a file, made fit to quote in a one-line error message.
#pragma once

#include "attnviz/core/result.h"

#include <cstddef>
#include <string>
#include <string_view>

namespace attnviz::core {

// Whether `text` holds a control character (below 0x20, or 0x7F): text that
// would break a one-line message or drive a terminal.
bool hasControlCharacter(std::string_view text);

// `text` in double quotes with control characters, quotes, backslashes and
// bytes that are not UTF-8 escaped (\n, \", \\, \xNN), cut after `maxBytes`
// bytes of input with "..." added: never a line break or a terminal escape.
std::string quotedForMessage(std::string_view text, std::size_t maxBytes = 80);

// The same escaping without the quotes (quotes and backslashes kept as
// they are), for a library's message that may carry a file's bytes.
std::string escapedForMessage(std::string_view text, std::size_t maxBytes = 300);

// The net below a loader's quoting: an error whose message holds a control
// character (a file's text put in raw) comes back escaped to one line.
template <class T>
Result<T> oneLineError(Result<T> result) {
    if (result) return result;
    Error error = result.takeError();
    if (hasControlCharacter(error.message)) error.message = escapedForMessage(error.message, error.message.size());
    return error;
}

}  // namespace attnviz::core

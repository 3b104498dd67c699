#include "attnviz/core/result.h"

namespace attnviz::core {

std::string_view errorCodeName(ErrorCode code) {
    switch (code) {
    case ErrorCode::InvalidInput: return "invalid input";
    case ErrorCode::Unsupported: return "unsupported";
    case ErrorCode::Cancelled: return "cancelled";
    case ErrorCode::OutOfMemory: return "out of memory";
    case ErrorCode::Io: return "I/O error";
    case ErrorCode::CorruptFile: return "corrupt file";
    case ErrorCode::Internal: return "internal error";
    }
    return "internal error";
}

}  // namespace attnviz::core

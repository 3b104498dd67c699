// Writes a .safetensors file tensor by tensor (header first, then data), so
// large random models need no more memory than their largest tensor.
#pragma once

#include "attnviz/core/dtype.h"
#include "attnviz/core/result.h"

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace attnviz::core {

class SafetensorsWriter {
public:
    struct Entry {
        std::string name;
        DType dtype = DType::F32;
        std::vector<std::int64_t> shape;
    };
    // Fills `out` (numel floats) with the values of tensor `index`.
    using Filler = std::function<void(std::size_t index, std::vector<float>& out)>;
    // String entries of __metadata__ beside {"format": "pt"}.
    using Metadata = std::map<std::string, std::string>;

    // Tensors are stored in the order given; F16/BF16 are rounded to nearest even.
    static Status write(const std::filesystem::path& path, const std::vector<Entry>& entries, const Filler& fill,
                        const Metadata& metadata = {});
    // The same into an open file (the caller owns it and checks its close);
    // `name` names it in errors.
    static Status write(std::FILE* out, const std::string& name, const std::vector<Entry>& entries, const Filler& fill,
                        const Metadata& metadata = {});
};

std::uint16_t floatToHalf(float value);
std::uint16_t floatToBfloat16(float value);

}  // namespace attnviz::core

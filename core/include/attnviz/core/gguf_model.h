// Models stored in one GGUF file (llama.cpp, Ollama, LM Studio): the
// architecture from `general.architecture` mapped to an engine family, the
// hyper-parameters from `<arch>.*` metadata, the tensors renamed to the
// family's Hugging Face names (llama.cpp's Q/K row permutation undone) and
// dequantised to float32.
#pragma once

#include "attnviz/core/gguf_file.h"
#include "attnviz/core/model.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/random_model.h"
#include "attnviz/core/result.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

namespace attnviz::core {

// The engine config the file's metadata describes; errors name the file and
// the metadata key.
Result<ModelConfig> ggufModelConfig(const GgufFile& file);

// Empty when attnviz can run the file; otherwise one line saying why not
// (architecture, tensor type, missing metadata), for listings.
std::string ggufUnsupportedReason(const GgufFile& file);

// Name of the file's weight type for listings: general.file_type's name
// ("Q4_K_M", "F16"), else the most common tensor type.
std::string ggufWeightTypeName(const GgufFile& file);

Result<std::unique_ptr<Model>> loadGgufModel(const std::filesystem::path& path, const ProgressFn& progress = {});

// llama.cpp's file types (llama_ftype, `general.file_type`) make-model writes.
enum class GgufFileType : std::uint32_t {
    AllF32 = 0, MostlyF16 = 1, MostlyQ4_0 = 2, MostlyQ8_0 = 7,
    MostlyQ4_K_M = 15, MostlyQ5_K_M = 17, MostlyQ6_K = 18, MostlyBF16 = 32,
};

// A seeded random model (random_model.h) as a GGUF file laid out as
// llama.cpp's converter would write it from the same safetensors weights:
// 2-D weights in `type` (F32, F16, BF16, Q8_0 or Q4_0), the rest F32.
Status writeRandomGguf(const std::string& configJson, std::FILE* out, const std::string& name,
                       const RandomModelOptions& options, GgmlType type);
// The same in a llama.cpp file type; the K-quant mixes (Q4_K_M, Q5_K_M,
// Q6_K) give each tensor the type llama-quantize gives it (gguf_quant_mix.cpp).
Status writeRandomGguf(const std::string& configJson, std::FILE* out, const std::string& name,
                       const RandomModelOptions& options, GgufFileType fileType);

}  // namespace attnviz::core

// attnviz-cli make-model: seeded random models of realistic (or tiny) shapes.
// Each file goes through a temporary file and a rename (writeOutput): an
// interrupted or failing run leaves no half-written config or weights.
#include "arg_parser.h"
#include "commands.h"
#include "output_file.h"

#include "attnviz/core/gguf_model.h"
#include "attnviz/core/model_config.h"
#include "attnviz/core/random_model.h"
#include "attnviz/core/seq2seq_config.h"

#include <cstdio>
#include <filesystem>
#include <map>

namespace attnviz::cli {

namespace {

// make-model --out FILE.gguf: one GGUF file, 2-D weights in --gguf-type
// (one type, or llama-quantize's mix for the K-quant file types).
int writeGgufModel(const std::string& config, const std::string& out, const std::string& preset,
                   const core::RandomModelOptions& options, const ArgParser& args) {
    if (args.has("--dtype")) return fail("--dtype is for safetensors folders; a .gguf file takes --gguf-type");
    const std::string typeName = args.value("--gguf-type").value_or("f32");
    // q4_k_m, q5_k_m, q6_k: llama-quantize's mix of tensor types (gguf_quant_mix.cpp).
    using FT = core::GgufFileType;
    static const std::map<std::string, FT> kTypes = {
        {"f32", FT::AllF32},         {"f16", FT::MostlyF16},       {"bf16", FT::MostlyBF16},
        {"q8_0", FT::MostlyQ8_0},    {"q4_0", FT::MostlyQ4_0},     {"q4_k_m", FT::MostlyQ4_K_M},
        {"q5_k_m", FT::MostlyQ5_K_M}, {"q6_k", FT::MostlyQ6_K}};
    auto type = kTypes.find(typeName);
    if (type == kTypes.end()) return fail("--gguf-type must be f32, f16, bf16, q8_0, q4_0, q4_k_m, q5_k_m or q6_k");
    if (int rc = writeOutput(out, [&](std::FILE* f, std::string& error) {
            core::Status s = core::writeRandomGguf(config, f, "'" + out + "'", options, type->second);
            if (!s) error = s.error();
            return bool(s);
        });
        rc != 0) {
        return rc;
    }
    std::printf("wrote %s (%s as GGUF %s, seed %llu)\n", out.c_str(), preset.c_str(), typeName.c_str(),
                static_cast<unsigned long long>(options.seed));
    return 0;
}

}  // namespace

int runMakeModel(const std::vector<std::string>& argv) {
    auto args = ArgParser::parse(argv, {{"--preset"}, {"--out"}, {"--seed"}, {"--dtype"}, {"--gguf-type"}});
    if (!args) return fail(args.error());
    auto preset = args->required("--preset");
    if (!preset) return fail(preset.error());
    auto out = args->required("--out");
    if (!out) return fail(out.error());
    auto seed = args->intValue("--seed", 1, 0, 1 << 30);
    if (!seed) return fail(seed.error());
    auto config = core::randomModelConfig(*preset);
    if (!config) return fail(config.error());
    const std::string dtypeName = args->value("--dtype").value_or("f32");
    core::RandomModelOptions options;
    options.seed = static_cast<std::uint64_t>(*seed);
    if (dtypeName == "f32") options.dtype = core::DType::F32;
    else if (dtypeName == "f16") options.dtype = core::DType::F16;
    else if (dtypeName == "bf16") options.dtype = core::DType::BF16;
    else return fail("--dtype must be f32, f16 or bf16");
    const bool seq2seq = core::Seq2SeqConfig::isSeq2SeqType(core::jsonModelType(*config));
    if (seq2seq) {
        if (auto parsed = core::Seq2SeqConfig::fromJson(*config, "preset '" + *preset + "'"); !parsed) return fail(parsed.error());
    } else if (auto parsed = core::ModelConfig::fromJson(*config, "preset '" + *preset + "'"); !parsed) {
        return fail(parsed.error());
    }

    if (std::filesystem::path(*out).extension() == ".gguf") {
        if (seq2seq) return fail("GGUF files of encoder-decoder models are not written; give --out a folder");
        return writeGgufModel(*config, *out, *preset, options, *args);
    }
    if (args->has("--gguf-type")) return fail("--gguf-type goes with an --out file ending in .gguf");

    const std::filesystem::path dir(*out);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail("cannot create '" + dir.string() + "': " + ec.message());
    // The weights first: config.json, which makes the folder a model, only
    // appears once they are complete.
    const std::string weights = (dir / "model.safetensors").string();
    if (int rc = writeOutput(weights, [&](std::FILE* f, std::string& error) {
            core::Status s = core::writeRandomWeights(*config, f, "'" + weights + "'", options);
            if (!s) error = s.error();
            return bool(s);
        });
        rc != 0) {
        return rc;
    }
    const std::string text = *config + "\n";
    if (int rc = writeOutput((dir / "config.json").string(),
                             [&](std::FILE* f) { return std::fwrite(text.data(), 1, text.size(), f) == text.size(); });
        rc != 0) {
        return rc;
    }
    std::printf("wrote %s (%s, seed %d)\n", out->c_str(), preset->c_str(), *seed);
    return 0;
}

}  // namespace attnviz::cli

// attnviz-cli make-model: seeded random models of realistic (or tiny) shapes.
// Each file goes through a temporary file and a rename (writeOutput): an
// interrupted or failing run leaves no half-written config or weights.
#include "arg_parser.h"
#include "commands.h"
#include "output_file.h"

#include "attnviz/core/model_config.h"
#include "attnviz/core/random_model.h"

#include <cstdio>
#include <filesystem>

namespace attnviz::cli {

int runMakeModel(const std::vector<std::string>& argv) {
    auto args = ArgParser::parse(argv, {{"--preset"}, {"--out"}, {"--seed"}, {"--dtype"}});
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
    if (auto parsed = core::ModelConfig::fromJson(*config, "preset '" + *preset + "'"); !parsed) {
        return fail(parsed.error());
    }

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

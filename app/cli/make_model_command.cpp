// attnviz-cli make-model: seeded random models of realistic (or tiny) shapes.
#include "arg_parser.h"
#include "commands.h"

#include "attnviz/core/random_model.h"

#include <cstdio>

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
    if (core::Status s = core::writeRandomModel(*config, *out, options); !s) return fail(s.error());
    std::printf("wrote %s (%s, seed %d)\n", out->c_str(), preset->c_str(), *seed);
    return 0;
}

}  // namespace attnviz::cli

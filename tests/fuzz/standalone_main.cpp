// Replays inputs through a fuzz target without libFuzzer (the normal build):
//   fuzz_<target> PATH...   every file under each PATH (folders recursively,
//                           names starting with '.' or README skipped)
// A crash or a violated invariant stops the process as it would the fuzzer;
// a PATH that does not exist is skipped. ctest runs each target on
// tests/fuzz/regressions/<target>/ and on its seeds.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

bool skipped(const std::filesystem::path& p) {
    const std::string name = p.filename().string();
    return name.empty() || name[0] == '.' || name.rfind("README", 0) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::filesystem::path> files;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path arg = argv[i];
        std::error_code ec;
        if (std::filesystem::is_directory(arg, ec)) {
            for (const auto& e : std::filesystem::recursive_directory_iterator(arg, ec))
                if (e.is_regular_file() && !skipped(e.path())) files.push_back(e.path());
        } else if (std::filesystem::is_regular_file(arg, ec)) {
            files.push_back(arg);
        } else {
            std::printf("%s: not there, skipped\n", arg.c_str());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f, std::ios::binary);
        const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (!in.eof() && in.fail()) {
            std::fprintf(stderr, "%s: cannot read\n", f.c_str());
            return 1;
        }
        std::printf("%s\n", f.c_str());
        std::fflush(stdout);
        // Copied to a buffer of exactly its size, as libFuzzer does, so ASan
        // sees any read past the end.
        std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
        LLVMFuzzerTestOneInput(input.empty() ? nullptr : input.data(), input.size());
    }
    std::printf("%zu inputs ran clean\n", files.size());
    return 0;
}

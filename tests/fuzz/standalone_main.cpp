// A main() for the fuzz entry points when libFuzzer is not available (gcc builds): runs
// LLVMFuzzerTestOneInput once over every file named on the command line, or every file in a named
// directory. Arguments starting with '-' (libFuzzer flags such as -runs=0) are ignored so CTest
// can use one command line for both builds. A crash or an escaping exception fails the run.

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {
void runFile(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in),
                               std::istreambuf_iterator<char>()};
    std::printf("running %s (%zu bytes)\n", p.c_str(), bytes.size());
    std::fflush(stdout);
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
}
}  // namespace

int main(int argc, char** argv) {
    size_t runs = 0;
    try {
        for (int i = 1; i < argc; ++i) {
            std::filesystem::path p(argv[i]);
            if (argv[i][0] == '-') continue;
            if (std::filesystem::is_directory(p)) {
                std::vector<std::filesystem::path> files;
                for (const auto& e : std::filesystem::directory_iterator(p))
                    if (e.is_regular_file()) files.push_back(e.path());
                std::sort(files.begin(), files.end());
                for (const auto& f : files) runFile(f), ++runs;
            } else {
                runFile(p);
                ++runs;
            }
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "uncaught exception: %s\n", e.what());
        return 1;
    }
    if (runs == 0) {
        std::fprintf(stderr, "no inputs given\n");
        return 2;
    }
    std::printf("%zu inputs ran without a crash\n", runs);
    return 0;
}

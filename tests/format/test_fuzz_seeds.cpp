// Writes the seed corpus for the reader fuzzer (tests/fuzz/fuzz_reader.cpp): small real traces in
// each state a reader meets (closed, recovered .partial, truncated mid-chunk, empty). Hidden from
// normal runs; CTest runs it as the setup of the seed-replay test, and it is how a fuzzing run
// gets its starting corpus:  REEL_SEED_DIR=DIR reel_tests "[.fuzz-seeds]"

#include <catch2/catch.hpp>
#include <cstdlib>

#include "format/TraceFixture.h"

using namespace reel::format;
using namespace reel::test;

TEST_CASE("write fuzz seed traces", "[.fuzz-seeds]") {
    const char* env = std::getenv("REEL_SEED_DIR");
    REQUIRE(env != nullptr);
    std::filesystem::path dir(env);
    std::filesystem::create_directories(dir);

    writeTrace(dir / "closed.reel", {3, 40, 4});
    writeTrace(dir / "one-batch.reel", {1, 200, 12});
    {
        TraceWriter w(dir / "empty.reel", sampleHeader(), testOptions());
        w.close({ExitKind::Exited, 0, ""});
    }
    {
        TraceWriter w(dir / "killed.reel", sampleHeader(), testOptions());
        TraceSpec spec{2, 50, 3};
        for (int b = 0; b < spec.batches; ++b) w.append(makeBatch(spec, b));
    }  // destroyed without close: leaves killed.reel.partial
    auto bytes = readFile(dir / "closed.reel");
    writeFile(dir / "truncated.reel", bytes.data(), bytes.size() * 2 / 3);

    for (const char* name :
         {"closed.reel", "one-batch.reel", "empty.reel", "killed.reel.partial", "truncated.reel"}) {
        INFO(name);
        TraceReader r(dir / name);
        readEverything(r);
    }
}

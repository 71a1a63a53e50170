// `reel info` and `reel verify` end to end: the real binary on real traces (intact, recovered,
// damaged, foreign, missing), checking output, one-line errors and exit statuses.

#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "format/TraceFixture.h"
#include "reel/format/Container.h"

using namespace reel::format;
using namespace reel::test;

namespace {

struct Run {
    int status = -1;
    std::string out, err;
};

std::string shellQuote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

Run runReel(const TempDir& dir, const std::string& args) {
    const std::string exe = std::string(REEL_BINARY_DIR) + "/reel";
    REQUIRE(std::filesystem::exists(exe));  // built with the rest of the project
    auto out = dir / "stdout", err = dir / "stderr";
    std::string cmd = shellQuote(exe) + " " + args + " >" + shellQuote(out.string()) + " 2>" +
                      shellQuote(err.string());
    int rc = std::system(cmd.c_str());
    Run r;
    REQUIRE(WIFEXITED(rc));
    r.status = WEXITSTATUS(rc);
    auto o = readFile(out), e = readFile(err);
    r.out.assign(o.begin(), o.end());
    r.err.assign(e.begin(), e.end());
    return r;
}

bool oneLineError(const Run& r) {
    return r.err.rfind("reel: ", 0) == 0 && r.err.find('\n') == r.err.size() - 1;
}

}  // namespace

TEST_CASE("reel info describes a complete trace", "[cli][info]") {
    TempDir dir;
    auto path = dir / "t.reel";
    writeTrace(path, {6, 500, 10});
    Run r = runReel(dir, "info --json " + shellQuote(path.string()));
    REQUIRE(r.status == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["state"] == "complete");
    CHECK(j["recovered"] == false);
    CHECK(j["damaged"] == false);
    CHECK(j["events"] == 3000);
    CHECK(j["values"] == 60);
    CHECK(j["codeObjects"] == 2);
    CHECK(j["chunks"]["total"] == 14);
    CHECK(j["chunks"]["events"] == 6);
    CHECK(j["chunks"]["defs"] == 2);
    CHECK(j["fileSize"] == std::filesystem::file_size(path));
    CHECK(j["containerVersion"] == "1.0");
    CHECK(j["formatVersion"] == "1." + std::to_string(reel::format::kFormatMinor));
    CHECK(j["python"]["version"] == "3.12.1");
    CHECK(j["argv"] == std::vector<std::string>{"prog.py", "--flag", "arg with spaces"});
    CHECK(j["hook"] == "sys.monitoring");
    CHECK(j["capture"]["maxDepth"] == 3);
    CHECK(j["sourceFiles"][0]["path"] == "prog.py");
    CHECK(j["threads"].size() == 2);
    CHECK(j["exit"]["kind"] == "uncaught exception");
    CHECK(j["exit"]["message"] == "ValueError: bad");
    CHECK(j["compressionRatio"].get<double>() > 1.0);
    CHECK(j["bytesPerEvent"].get<double>() > 0.0);

    Run text = runReel(dir, "info " + shellQuote(path.string()));
    REQUIRE(text.status == 0);
    CHECK(text.out.find("state:         complete") != std::string::npos);
    CHECK(text.out.find("events:        3000") != std::string::npos);
    CHECK(text.out.find("argv:          prog.py --flag 'arg with spaces'") != std::string::npos);
    CHECK(text.out.find("uncaught exception, status 1: ValueError: bad") != std::string::npos);

    Run v = runReel(dir, "verify " + shellQuote(path.string()));
    CHECK(v.status == 0);
    CHECK(v.out.find("OK (14 chunks, 3000 events, 60 values)") != std::string::npos);
}

TEST_CASE("reel info and verify on recovered and damaged traces", "[cli][info]") {
    TempDir dir;
    auto path = dir / "t.reel";
    writeTrace(path, {6, 500, 10});
    auto bytes = readFile(path);
    std::vector<ChunkInfo> chunks;
    {
        TraceReader r(path);
        chunks = r.chunks();
    }

    SECTION("truncated: recovered, verify exits 1") {
        auto cut = dir / "cut.reel";
        writeFile(cut, bytes.data(), chunks[5].offset + 20);
        Run r = runReel(dir, "info --json " + shellQuote(cut.string()));
        REQUIRE(r.status == 0);
        auto j = nlohmann::json::parse(r.out);
        CHECK(j["state"] == "recovered");
        CHECK(j["recovery"]["chunksKept"] == 5);
        CHECK(j["recovery"]["bytesKept"] == chunks[5].offset);
        CHECK(j["recovery"]["bytesDiscarded"] == 20);
        CHECK(j["exit"].is_null());
        Run v = runReel(dir, "verify " + shellQuote(cut.string()));
        CHECK(v.status == 1);
        CHECK(v.out.find("recovered 5 chunks") != std::string::npos);
    }
    SECTION("a flipped payload byte: damaged, verify names the chunk and offset") {
        auto bad = dir / "bad.reel";
        auto copy = bytes;
        const auto& victim = chunks[4];  // an events chunk, read lazily
        REQUIRE(victim.kind == 3);
        copy[victim.offset + kChunkHeaderSize + 3] ^= 0x40;
        writeFile(bad, copy.data(), copy.size());
        Run r = runReel(dir, "info --json " + shellQuote(bad.string()));
        REQUIRE(r.status == 0);
        auto j = nlohmann::json::parse(r.out);
        CHECK(j["state"] == "damaged");
        REQUIRE(j["problems"].size() == 1);
        Run v = runReel(dir, "verify " + shellQuote(bad.string()));
        CHECK(v.status == 1);
        CHECK(v.out.find("chunk 4 (events, at byte offset " + std::to_string(victim.offset) +
                         "): chunk payload checksum mismatch") != std::string::npos);
    }
}

TEST_CASE("reel info and verify refuse unreadable input with one line and status 2",
          "[cli][info]") {
    TempDir dir;
    std::string junk = "not a trace at all\n";
    writeFile(dir / "junk.reel", reinterpret_cast<const uint8_t*>(junk.data()), junk.size());
    for (const char* cmd : {"info", "verify"}) {
        INFO(cmd);
        Run missing =
            runReel(dir, std::string(cmd) + " " + shellQuote((dir / "nope.reel").string()));
        CHECK(missing.status == 2);
        CHECK(oneLineError(missing));
        CHECK(missing.err.find("nope.reel") != std::string::npos);
        Run foreign =
            runReel(dir, std::string(cmd) + " " + shellQuote((dir / "junk.reel").string()));
        CHECK(foreign.status == 2);
        CHECK(oneLineError(foreign));
        CHECK(foreign.err.find("not a Reel trace") != std::string::npos);
        Run noArgs = runReel(dir, cmd);
        CHECK(noArgs.status == 2);
        CHECK(oneLineError(noArgs));
        Run extra = runReel(dir, std::string(cmd) + " a b --bogus");
        CHECK(extra.status == 2);
        CHECK(oneLineError(extra));
    }
}

TEST_CASE("reel names what was wrong in a bad command line, once", "[cli][info]") {
    TempDir dir;
    auto path = dir / "t.reel";
    writeTrace(path, {2, 50, 5});
    const std::string trace = shellQuote(path.string());

    Run bogus = runReel(dir, "bogus");
    CHECK(bogus.status == 2);
    CHECK(oneLineError(bogus));
    CHECK(bogus.err.find("unknown command 'bogus'") != std::string::npos);
    Run option = runReel(dir, "--bogus");
    CHECK(option.status == 2);
    CHECK(oneLineError(option));
    CHECK(option.err.find("unknown option '--bogus'") != std::string::npos);

    // CLI11 would take -5 as 2^64-5 and saturate a number too large for 64 bits.
    for (const char* bad :
         {"--from -5", "--to 99999999999999999999999", "--from=-1", "--max-output -3"}) {
        INFO(bad);
        Run r = runReel(
            dir, "slice " + trace + " -o " + shellQuote((dir / "s.reel").string()) + " " + bad);
        CHECK(r.status == 2);
        CHECK(oneLineError(r));
        CHECK(!std::filesystem::exists(dir / "s.reel"));
    }
    Run big = runReel(dir, "slice " + trace + " -o " + shellQuote((dir / "s.reel").string()) +
                               " --to 99999999999999999999999");
    CHECK(big.err.find("too large") != std::string::npos);

    Run dump = runReel(dir, "dump " + shellQuote((dir / "nope.reel").string()));
    CHECK(dump.status == 2);
    CHECK(oneLineError(dump));
    CHECK(dump.err.find("cannot open") == dump.err.rfind("cannot open"));

    // A closed trace given to join: it is not a generation, and nothing lies next to it.
    Run join = runReel(dir, "join " + trace + " -o " + trace);
    CHECK(join.status == 2);
    CHECK(oneLineError(join));
    CHECK(join.err.find("is not a flight-recorder generation") != std::string::npos);
}

#pragma once
// Plain C++ copies of the Defs records (reel.capnp), accumulated over every Defs chunk of a trace.
// Front ends use these instead of Cap'n Proto readers so no schema type leaks past the reader.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace reel::format {

struct Instruction {
    uint32_t offset = 0;
    uint16_t opcode = 0;
    std::string opname;
    int32_t arg = -1;
    std::string argRepr;
    int32_t line = -1;
    uint16_t size = 2;
    int32_t jumpTarget = -1;
};

struct SourceFile {
    uint32_t id = 0;
    std::string path;
    std::string text;
    bool hasText = false;
};

inline constexpr uint32_t kNoSource = 0xFFFFFFFFu;

struct CodeObject {
    uint32_t id = 0;
    std::string qualname;
    std::string name;
    std::string filename;
    uint32_t sourceId = kNoSource;
    int32_t firstLine = 0;
    uint32_t flags = 0;
    uint16_t argCount = 0;
    std::vector<std::string> localNames;
    std::vector<uint8_t> localKinds;
    std::vector<Instruction> instructions;
    bool usesLocalsDict = false;
    std::vector<uint8_t> bytecode;

    // Index into `instructions` of the instruction starting at `offset`, or -1.
    int instructionAt(uint32_t offset) const;
    // Source line of the instruction at `offset` (the one containing it when `offset` falls inside
    // an instruction's cache entries), or -1.
    int32_t lineAt(uint32_t offset) const;
};

enum class BuiltinBase : uint8_t {
    None = 0, Int, Float, Str, Bytes, List, Tuple, Dict, Set, Frozenset, Exception, Complex,
    Bytearray
};

struct TypeRecord {
    uint32_t id = 0;
    std::string qualname;
    std::string module;
    std::string displayName;
    BuiltinBase builtinBase = BuiltinBase::None;
};

struct ThreadRecord {
    uint32_t id = 0;
    uint64_t ident = 0;
    uint64_t nativeId = 0;
    std::string name;
    bool isMain = false;
};

// Everything the Defs chunks of one trace introduced, indexed by id. Ids are dense per kind.
struct Definitions {
    std::vector<SourceFile> sources;
    std::vector<CodeObject> codes;
    std::vector<TypeRecord> types;
    std::vector<std::string> strings;
    std::vector<ThreadRecord> threads;
};

}  // namespace reel::format

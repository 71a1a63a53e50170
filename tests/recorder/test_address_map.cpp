// The identity table's map (recorder/src/AddressMap.h), checked against std::unordered_map on a
// random mix of inserts, lookups and bulk erases with addresses spaced like heap objects.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <unordered_map>

#include "AddressMap.h"

using reel::recorder::AddressMap;

namespace {
const void* address(uint64_t k) {
    return reinterpret_cast<const void*>(uintptr_t{0x7f0000000000} + k * 16);
}
}  // namespace

TEST_CASE("AddressMap agrees with unordered_map through growth and bulk erase", "[recorder]") {
    AddressMap<uint64_t> map;
    std::unordered_map<const void*, uint64_t> ref;
    std::mt19937_64 rng(7);
    REQUIRE(map.find(address(1)) == nullptr);
    for (int round = 0; round < 6; ++round) {
        for (int i = 0; i < 20000; ++i) {
            const void* k = address(rng() % 60000);
            uint64_t* v = map.find(k);
            auto it = ref.find(k);
            REQUIRE((v != nullptr) == (it != ref.end()));
            if (v == nullptr) {
                map.insert(k, i);
                ref.emplace(k, i);
            } else {
                REQUIRE(*v == it->second);
                *v += 1;
                it->second += 1;
            }
        }
        REQUIRE(map.size() == ref.size());
        // Forget every entry whose value is odd, as the sweep forgets dead objects.
        map.eraseIf([](uint64_t v) { return v % 2 == 1; });
        for (auto it = ref.begin(); it != ref.end();) it = it->second % 2 ? ref.erase(it) : ++it;
        REQUIRE(map.size() == ref.size());
        size_t seen = 0;
        map.forEach([&](const void* k, uint64_t v) {
            ++seen;
            auto it = ref.find(k);
            REQUIRE(it != ref.end());
            REQUIRE(it->second == v);
        });
        REQUIRE(seen == ref.size());
    }
    map.eraseIf([](uint64_t) { return true; });
    REQUIRE(map.size() == 0);
    REQUIRE(map.find(address(3)) == nullptr);
}

#pragma once
// A hash map keyed by object address, for the recorder's identity table: one probe sequence in
// one array (linear probing, Fibonacci hashing of the address), no allocation per entry. The
// table is looked up for every container and instance a capture reads and grows by one entry
// per new object; a node-based std::unordered_map cost an allocation per insert and a pointer
// chase per lookup, about a tenth of recording a program that builds many small objects.
//
// Entries are removed only in bulk (eraseIf rebuilds the table), which is how the identity table
// forgets dead objects. Pointers returned by find/insert are valid until the next insert or
// eraseIf. Null is not a valid key.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace reel::recorder {

template <typename V>
class AddressMap {
public:
    V* find(const void* key) {
        if (size_ == 0) return nullptr;
        for (size_t i = home(key);; i = (i + 1) & mask_) {
            Slot& s = slots_[i];
            if (s.key == key) return &s.value;
            if (s.key == nullptr) return nullptr;
        }
    }

    // `key` must be absent.
    V& insert(const void* key, V value) {
        if ((size_ + 1) * 2 > slots_.size()) rehash(slots_.empty() ? kMinSlots : 2 * slots_.size());
        size_t i = home(key);
        while (slots_[i].key != nullptr) i = (i + 1) & mask_;
        slots_[i].key = key;
        slots_[i].value = std::move(value);
        ++size_;
        return slots_[i].value;
    }

    size_t size() const { return size_; }

    // Removes every entry for which drop(value) returns true, then shrinks the table to fit.
    template <typename F>
    void eraseIf(F&& drop) {
        std::vector<Slot> old;
        old.swap(slots_);
        size_ = 0;
        size_t kept = 0;
        for (Slot& s : old) {
            if (s.key == nullptr) continue;
            if (drop(s.value))
                s.key = nullptr;
            else
                ++kept;
        }
        size_t n = kMinSlots;
        while (n < 2 * kept + 2) n *= 2;
        resize(n);
        for (Slot& s : old)
            if (s.key != nullptr) place(std::move(s));
    }

    template <typename F>
    void forEach(F&& f) {
        for (Slot& s : slots_)
            if (s.key != nullptr) f(s.key, s.value);
    }

private:
    struct Slot {
        const void* key = nullptr;
        V value{};
    };
    static constexpr size_t kMinSlots = 1024;

    size_t home(const void* key) const {
        // Objects are 16-byte aligned: the low bits carry nothing.
        return static_cast<size_t>(((reinterpret_cast<uintptr_t>(key) >> 4) * 0x9E3779B97F4A7C15ull) >>
                                   shift_);
    }
    void resize(size_t n) {
        slots_.assign(n, Slot{});
        mask_ = n - 1;
        unsigned bits = 0;
        while ((size_t{1} << bits) < n) ++bits;
        shift_ = 64 - bits;
    }
    void place(Slot&& s) {
        size_t i = home(s.key);
        while (slots_[i].key != nullptr) i = (i + 1) & mask_;
        slots_[i] = std::move(s);
        ++size_;
    }
    void rehash(size_t n) {
        std::vector<Slot> old;
        old.swap(slots_);
        size_ = 0;
        resize(n);
        for (Slot& s : old)
            if (s.key != nullptr) place(std::move(s));
    }

    std::vector<Slot> slots_;
    size_t size_ = 0;
    size_t mask_ = 0;
    unsigned shift_ = 64;
};

}  // namespace reel::recorder

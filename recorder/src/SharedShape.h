#pragma once
// A ValueShape held by every slot whose local holds the same object with the same snapshot.
//
// The frames of a recursion or a method chain all hold the same `self`; each of them used to keep
// its own copy of its shape (tens of thousands of words for a big object), copied at every call
// and at every check. A slot that needs a new shape while others hold the old one writes a fresh
// shape (ValueCapture::recapture's `out`), so the others keep the shape that describes their own
// snapshot; the exception is a root attribute patch, written into the shared shape itself
// (REEL_SHARED_IN_PLACE), after which the others hold a shape whose `ref` is not their slot's:
// every reuse of a shape checks `ref` first, so they take the new snapshot (recentShapes_) or
// walk again. The words of an unchanged answer are those of the shared shape, and only its nodes
// are refreshed in place (they describe the same object and snapshot for every holder).
//
// Reference-counted without atomics: shapes are made, shared and dropped with the GIL held only.
// Released boxes go to a small free list that keeps their vectors' capacity.
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>
#include "ValueCapture.h"

namespace reel::recorder {

class SharedShape {
public:
    SharedShape() = default;
    SharedShape(const SharedShape& o) : box_(o.box_) {
        if (box_ != nullptr) ++box_->refs;
    }
    SharedShape(SharedShape&& o) noexcept : box_(std::exchange(o.box_, nullptr)) {}
    SharedShape& operator=(const SharedShape& o) {
        if (o.box_ != nullptr) ++o.box_->refs;
        reset();
        box_ = o.box_;
        return *this;
    }
    SharedShape& operator=(SharedShape&& o) noexcept {
        if (this != &o) {
            reset();
            box_ = std::exchange(o.box_, nullptr);
        }
        return *this;
    }
    ~SharedShape() { reset(); }

    // A new shape held only by the result (invalid until written).
    static SharedShape fresh() {
        SharedShape s;
        if (poolGone() || freeList().boxes.empty()) {
            s.box_ = std::make_unique<Box>().release();
        } else {
            std::vector<std::unique_ptr<Box>>& pool = freeList().boxes;
            s.box_ = pool.back().release();
            pool.pop_back();
        }
        s.box_->refs = 1;
        return s;
    }

    ValueShape* get() const { return box_ != nullptr ? &box_->shape : nullptr; }
    ValueShape* operator->() const { return get(); }
    bool unique() const { return box_ != nullptr && box_->refs == 1; }
    void reset() {
        if (box_ == nullptr) return;
        if (--box_->refs == 0) recycle(box_);
        box_ = nullptr;
    }

private:
    struct Box {
        ValueShape shape;
        uint32_t refs = 0;
    };
    static constexpr size_t kKeptFree = 64;
    // A recorder still running at process exit is destroyed with the other static objects,
    // possibly after the free list: from then on boxes are simply freed. (A bool has no
    // destructor, so the flag outlives everything.)
    static bool& poolGone() {
        static bool gone = false;
        return gone;
    }
    struct FreeList {
        std::vector<std::unique_ptr<Box>> boxes;
        ~FreeList() { poolGone() = true; }
    };
    static FreeList& freeList() {
        static FreeList list;
        return list;
    }
    static void recycle(Box* b) {
        std::unique_ptr<Box> owned(b);
        if (poolGone()) return;
        std::vector<std::unique_ptr<Box>>& pool = freeList().boxes;
        if (pool.size() >= kKeptFree) return;
        // A big shape's memory counts against every shape's budget (ValueShape::bound): it
        // keeps its capacity only while all shapes together are well under that budget.
        if (owned->shape.words.capacity() > ValueShape::kSmallWords &&
            gShapeBytes > ValueShape::kBudgetBytes / 2)
            owned->shape.release();
        owned->shape.valid = false;
        owned->shape.ref = {};
        pool.push_back(std::move(owned));
    }
    Box* box_ = nullptr;
};

}  // namespace reel::recorder

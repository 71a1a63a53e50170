#include "reel/replayer/LocalsView.h"

#include <algorithm>

#include "reel/format/TraceFormatError.h"

namespace reel::replayer {

LocalsView::LocalsView(const format::Definitions& defs, int pythonMajor, int pythonMinor)
    : defs_(defs), major_(pythonMajor), minor_(pythonMinor) {
    const bool atLeast313 = major_ > 3 || (major_ == 3 && minor_ >= 13);
    cachedDictLocals_ = !atLeast313;
    hiddenMerge_ = major_ == 3 && minor_ == 12;
    proxyForHidden_ = atLeast313;
}

const std::vector<LocalsView::Entry>& LocalsView::read(const Frame& f) {
    REEL_REQUIRE(
        f.codeId < defs_.codes.size(), format::TraceFormatError::kNoOffset,
        "frame runs code " + std::to_string(f.codeId) + ", which the trace does not define");
    const format::CodeObject& code = defs_.codes[f.codeId];
    entries_.clear();
    if (!code.usesLocalsDict) {
        if (cachedDictLocals_) {
            readOptimizedDict(f, code);
            if (hiddenMerge_) mergeHidden(f, code);
        } else {
            readProxy(f, code);
            readNamespace(f, code);  // 3.13 extra locals (NAME_SET in a function frame)
        }
        return entries_;
    }
    if (proxyForHidden_) {
        for (size_t i = 0; i < f.slots.size(); ++i) {
            if ((kindOf(code, i) & kHidden) && f.slots[i].bound()) {
                readProxy(f, code);
                return entries_;
            }
        }
    }
    readNamespace(f, code);
    if (hiddenMerge_) mergeHidden(f, code);
    return entries_;
}

void LocalsView::readOptimizedDict(const Frame& f, const format::CodeObject& code) {
    std::vector<uint32_t>& order = cachedDicts_[f.id];
    // Names that are not locals of the code (NAME_SET in a function frame: `exec("x = 1")`,
    // `locals()["k"] = v`) were put in the dict by the program itself, between two reads: they
    // go last now, before the slots bound since the last read, and leave when deleted.
    if (!f.names.empty() || std::any_of(order.begin(), order.end(), isNameEntry)) {
        std::erase_if(order, [&](uint32_t e) {
            return isNameEntry(e) &&
                   std::none_of(f.names.begin(), f.names.end(),
                                [&](const auto& n) { return (n.nameId | kNameEntry) == e; });
        });
        for (const auto& n : f.names) {
            REEL_REQUIRE(n.nameId < defs_.strings.size() && n.nameId < kNameEntry,
                         format::TraceFormatError::kNoOffset,
                         "local name id " + std::to_string(n.nameId) + " is not defined");
            if (std::find(order.begin(), order.end(), n.nameId | kNameEntry) == order.end())
                order.push_back(n.nameId | kNameEntry);
        }
    }
    // _PyFrame_GetLocals / PyFrame_FastToLocalsWithError: one pass over the slots, in order,
    // setting bound ones and deleting unbound ones from the frame's persistent dict.
    for (uint32_t i = 0; i < f.slots.size(); ++i) {
        const uint8_t kind = kindOf(code, i);
        if (kind & kHidden) continue;  // never stored in the dict (merged into a copy on 3.12)
        auto it = std::find(order.begin(), order.end(), i);
        if (f.slots[i].bound()) {
            if (it == order.end()) order.push_back(i);
        } else if (it != order.end()) {
            order.erase(it);
        }
    }
    for (uint32_t e : order) {
        if (!isNameEntry(e)) {
            entries_.push_back({&code.localNames[e], f.slots[e].value});
            continue;
        }
        for (const auto& n : f.names)
            if ((n.nameId | kNameEntry) == e) entries_.push_back({&defs_.strings[n.nameId], n.value});
    }
}

void LocalsView::readProxy(const Frame& f, const format::CodeObject& code) {
    // FrameLocalsProxy iteration: bound fast slots in slot order (PEP 667), free variables
    // included: a class body running an inlined comprehension lists the enclosing function's
    // variables it reads (framelocalsproxy_keys skips only empty slots and cells).
    for (uint32_t i = 0; i < f.slots.size() && i < code.localNames.size(); ++i)
        if (f.slots[i].bound()) entries_.push_back({&code.localNames[i], f.slots[i].value});
}

void LocalsView::readNamespace(const Frame& f, const format::CodeObject& code) {
    for (const auto& n : f.names) {
        REEL_REQUIRE(n.nameId < defs_.strings.size(), format::TraceFormatError::kNoOffset,
                     "local name id " + std::to_string(n.nameId) + " is not defined");
        entries_.push_back({&defs_.strings[n.nameId], n.value});
    }
}

void LocalsView::mergeHidden(const Frame& f, const format::CodeObject& code) {
    // PyDict_Merge(copy, hidden): an existing key keeps its position and takes the new value.
    for (uint32_t i = 0; i < f.slots.size() && i < code.localNames.size(); ++i) {
        if (!(kindOf(code, i) & kHidden) || !f.slots[i].bound()) continue;
        const std::string& name = code.localNames[i];
        auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const Entry& e) { return *e.name == name; });
        if (it != entries_.end())
            it->value = f.slots[i].value;
        else
            entries_.push_back({&name, f.slots[i].value});
    }
}

}  // namespace reel::replayer

#include "Recorder.h"

#include "ThreadEndWatch.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <stdexcept>

#include "RuntimeInternals.h"
#include "Purity.h"
#include "reel/format/ValueCodec.h"

namespace reel::recorder {

namespace {
constexpr size_t kHandOverEventBytes = size_t{1} << 20;
constexpr size_t kHandOverValueBytes = size_t{4} << 20;
constexpr uint32_t kClockCheckEvery = 4096;

bool shapeKnown(const ValueShape* s) {
    return s != nullptr && s->valid;
}
// Whether the slot's snapshot may have changed under `changed` (all mutations since its last
// check known precisely): only if its last walk read one of them, or nothing is known of it.
bool mayHaveChanged(const ValueShape* shape, const ContainerBloom& changed) {
    return !shapeKnown(shape) || shape->mayHaveRead(changed);
}

uint64_t nextRecorderSerial() {
    static uint64_t serial = 0;
    return ++serial;
}

// Per-thread cache of the session's ThreadShadow; the serial tells a stale cache (from an earlier
// session) from the current one.
// initial-exec: read at every event; the default model for a dlopen'ed module calls __tls_get_addr.
[[gnu::tls_model("initial-exec")]] thread_local ThreadShadow* tlThread = nullptr;
[[gnu::tls_model("initial-exec")]] thread_local uint64_t tlSerial = 0;

}  // namespace

int64_t monotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

Recorder::Recorder(RecorderOptions options, const OpcodeTable& ops)
    : options_(std::move(options)),
      ops_(ops),
      codes_(ops, options_.filter),
      values_(std::make_unique<ValueCapture>(options_.limits)),
      serial_(nextRecorderSerial()) {
    values_->setPrivacy(options_.redact, options_.noValues);
    redacting_ = values_->redacting();  // read at every event by deltas()
    // Every recapture runs inside deltas(), which bumps the count first: within one call no
    // Python code runs and nothing changes.
    values_->setRoundCounter(&deltaRound_);
    // Whether a getter is traced depends on this session's filters.
    purity::resetAttrCache();
    if (const char* check = std::getenv("REEL_CHECK_STACK_DEPTH"); check && *check == '1')
        checkDepths_ = true;
    if (const char* sites = std::getenv("REEL_PURITY_SITES"); sites && *sites == '1')
        countSites_ = true;
    if (const char* p = std::getenv("REEL_PURITY"); p && std::string(p) == "static")
        dynPurity_ = false;
    if (const char* p = std::getenv("REEL_SHARE_SHAPES"); p && *p == '0') shareShapes_ = false;
    if (const char* p = std::getenv("REEL_TARGETED"); p && *p == '0') targeted_ = false;
    if (const char* p = std::getenv("REEL_SKIP_UNWRITTEN"); p && *p == '0') skipUnwritten_ = false;
    if (const char* p = std::getenv("REEL_IMPLIED_CHECK"); p && *p == '1') impliedCheck_ = true;
    if (const char* p = std::getenv("REEL_SHAPE_STATS"); p && *p == '1') shapeStats_ = true;
    // REEL_HANDOVER_MS=N: hand a batch over after N ms at the latest instead of 250 (callgrind
    // runs: the clock moves batch boundaries, and the snapshot caches that end at one, between
    // two runs of the same program).
    if (const char* p = std::getenv("REEL_HANDOVER_MS"); p && *p)
        handOverIntervalNs_ = std::max<int64_t>(1, std::atoll(p)) * 1'000'000;
    purity::initKnownCalls();
    gilSwitches_ = reel_gil_switch_counter();
    if (gilSwitches_ == nullptr) {
        static const unsigned long kNone = 0;  // no GIL (not a supported build): nothing to see
        gilSwitches_ = &kNone;
    }
    seenGilSwitches_ = *gilSwitches_;
    format::TraceWriter::Options wo;
    wo.durable = options_.durable;
    // ValueCapture writes format 1.2 compact value records (LOCAL_SET_DELTA saves 2-3 bytes per
    // fresh snapshot in the event stream), 1.3 attribute sections on exceptions and 1.4 REENTER
    // records: an older reader must refuse the file rather than misread it.
    static_assert(format::kReenterReaderMinor >= format::kValueAttrsReaderMinor);
    wo.requiredReaderMinor = format::kReenterReaderMinor;
    enc_.compactRefs = true;
    startNs_ = monotonicNs();
    // The header holds wall-clock time (when the run happened); every time inside the trace is
    // relative to startNs_ on the monotonic clock, so clock adjustments cannot reorder events.
    timespec wall{};
    clock_gettime(CLOCK_REALTIME, &wall);
    options_.header.startTimeNs = static_cast<int64_t>(wall.tv_sec) * 1'000'000'000 + wall.tv_nsec;
    if (options_.flightLast > 0) {
        replayer::FlightOptions fo;
        fo.lastEvents = options_.flightLast;
        fo.durable = options_.durable;
        fo.requiredReaderMinor = wo.requiredReaderMinor;
        flight_ = std::make_unique<replayer::FlightWriter>(options_.path, options_.header, fo);
        nextGeneration_ = options_.flightLast;
        recentExceptions_.resize(kRecentExceptions);
    } else {
        writer_ = std::make_unique<format::TraceWriter>(options_.path, options_.header, wo);
    }
    batchStartNs_ = startNs_;
    enc_.tags.reserve(kHandOverEventBytes + 4096);
    enc_.args.reserve(kHandOverEventBytes);
}

// The measurement counters' lines on stderr (REEL_SHAPE_STATS, REEL_IMPLIED_CHECK).
static void printCounts(const char* format, uint64_t a, uint64_t b, uint64_t c = 0,
                        uint64_t d = 0, uint64_t e = 0) {
    std::fprintf(stderr, format, static_cast<unsigned long long>(a),
                 static_cast<unsigned long long>(b), static_cast<unsigned long long>(c),
                 static_cast<unsigned long long>(d), static_cast<unsigned long long>(e));
}

Recorder::~Recorder() {
    if (checkDepths_)
        std::fprintf(stderr,
                     "reel: stack depth check: %llu opcode events, %llu compared, %llu unknown\n",
                     static_cast<unsigned long long>(depthChecks_.events),
                     static_cast<unsigned long long>(depthChecks_.compared),
                     static_cast<unsigned long long>(depthChecks_.unknown));
    if (checkDepths_) {
        // Purity decisions per dyn kind (0: statically pure or not decided per execution).
        std::fprintf(stderr, "reel: purity (kind pure/non-pure):");
        for (int k = 0; k <= dyn::kLast; ++k)
            std::fprintf(stderr, " %d:%llu/%llu", k,
                         static_cast<unsigned long long>(depthChecks_.pure[k]),
                         static_cast<unsigned long long>(depthChecks_.impure[k]));
        std::fprintf(stderr, "\n");
    }
    if (shapeStats_) {
        printCounts("reel: shapes: %llu unchanged, %llu changed, %llu root patches, %llu path "
                    "patches, %llu twin walks\n",
                    values_->shapeHits(), values_->shapeMisses(), values_->rootPatches(),
                    values_->pathPatches(), values_->twinWalks());
        const ValueCapture::DedupCounts& d = values_->dedupCounts();
        printCounts("reel: dedup: %llu records by identity, %llu earlier states, %llu evictions\n",
                    d.byIdentity, d.earlierHits, d.evictions);
    }
    if (impliedCheck_)
        printCounts("reel: implied opcode events: %llu written, %llu runs after an unknown "
                    "position, %llu stray runs\n",
                    implied_.written, implied_.unknownStart, implied_.strayRuns);
    if (impliedCheck_)
        printCounts("reel: implied stores: %llu events recorded, %llu made recorded\n",
                    implied_.storesRecorded, implied_.storesDemoted);
    if (countSites_) {
        std::vector<const UnnamedSite*> sites;
        for (const auto& [key, site] : unnamedSites_) sites.push_back(&site);
        std::stable_sort(sites.begin(), sites.end(), [](const UnnamedSite* a, const UnnamedSite* b) {
            return a->count > b->count;
        });
        for (const UnnamedSite* site : sites)
            std::fprintf(stderr, "reel: unnamed mutation\t%llu\t%s\t%llu\n",
                         static_cast<unsigned long long>(site->count), site->label.c_str(),
                         static_cast<unsigned long long>(site->walks));
        if (Py_IsInitialized())
            for (const auto& [key, site] : unnamedSites_)
                Py_DECREF(static_cast<PyObject*>(const_cast<void*>(key.first)));
    }
}

void Recorder::noteUnnamedSite(_PyInterpreterFrame* frame, size_t offset) {
    PyCodeObject* code = compat::frameCode(frame);
    auto [it, added] = unnamedSites_.try_emplace({code, offset});
    ++it->second.count;
    const uint64_t walks = values_->shapeHits();
    if (lastUnnamed_ != nullptr) lastUnnamed_->walks += walks - walksAtLastUnnamed_;
    lastUnnamed_ = &it->second;
    walksAtLastUnnamed_ = walks;
    if (!added) return;
    Py_INCREF(code);
    // Never touches an exception the program has pending (the names are then left out).
    const bool clean = PyErr_Occurred() == nullptr;
    auto utf8 = [clean](PyObject* s) -> const char* {
        if (!clean || !PyUnicode_Check(s)) return nullptr;
        const char* r = PyUnicode_AsUTF8(s);
        if (r == nullptr) PyErr_Clear();
        return r;
    };
    const char* file = utf8(code->co_filename);
    const char* name = utf8(code->co_qualname);
    it->second.label = std::string(file ? file : "?") + "\t" + (name ? name : "?") + "\t" +
                       std::to_string(offset);
}

// The functions of the opcode-event path are inline: one call per event from the hook, none
// inside but to the slow parts (a new thread, comparing slots, judging an operand-dependent
// instruction, handing a batch over).
[[gnu::always_inline]] inline ThreadShadow& Recorder::thread() {
    if (tlThread != nullptr && tlSerial == serial_) [[likely]]
        return *tlThread;
    return newThread();
}

ThreadShadow& Recorder::newThread() {
    uint64_t ident = PyThread_get_thread_ident();
    auto it = threadsByIdent_.find(ident);
    ThreadShadow* ts;
    {
        if (it != threadsByIdent_.end()) {
            // This OS thread has not been seen in this session, yet its ident is known: the earlier
            // thread with that ident has finished (idents are unique only among live threads).
            enc_.threadEnd(it->second->id);
            threadsByIdent_.erase(it);
        }
        auto owned = std::make_unique<ThreadShadow>();
        owned->id = static_cast<uint32_t>(threads_.size());
        owned->ident = ident;
        ts = owned.get();
        threads_.push_back(std::move(owned));
        threadsByIdent_[ident] = ts;
        format::ThreadRecord rec;
        rec.id = ts->id;
        rec.ident = ident;
        rec.nativeId = PyThread_get_thread_native_id();
        rec.isMain = ident == options_.mainThreadIdent;
        auto named = threadNames_.find(ident);
        if (named != threadNames_.end()) {
            rec.name = std::move(named->second);
            threadNames_.erase(named);
        } else {
            rec.name = rec.isMain ? "MainThread" : "Thread-" + std::to_string(ts->id);
        }
        pendingThreads_.push_back(std::move(rec));
        watchThreadEnd(serial_, ts->id);
    }
    tlThread = ts;
    tlSerial = serial_;
    return *ts;
}

void Recorder::onThreadEnd(uint32_t threadId) {
    if (finished_ || threadId >= threads_.size()) return;
    ThreadShadow* ts = threads_[threadId].get();
    auto it = threadsByIdent_.find(ts->ident);
    if (it == threadsByIdent_.end() || it->second != ts) return;  // its end is already written
    threadsByIdent_.erase(it);
    enc_.threadEnd(threadId);
    if (tlThread == ts) tlThread = nullptr;
}

[[gnu::always_inline]] inline void Recorder::switchThread(ThreadShadow& ts) {
    if (!anyThread_ || ts.id != curThread_) [[unlikely]]
        threadSwitched(ts);
}

void Recorder::threadSwitched(ThreadShadow& ts) {
    if (anyThread_) settleThread(curThread_);
    enc_.thread(ts.id);
    curThread_ = ts.id;
    anyThread_ = true;
}

void Recorder::settleThread(uint32_t id) {
    if (id >= threads_.size()) return;
    ThreadShadow& other = *threads_[id];
    if (other.depth == 0) return;
    ShadowFrame& top = other.stack[other.depth - 1];
    // Its shadow stack may be stale (a thread that ended): read only the frame it runs.
    if (top.nextUnit == UINT32_MAX || compat::frameOfThread(other.ident) != top.iframe) return;
    settlePaused(top);
}

void Recorder::settleCurrent(ThreadShadow& ts) {
    if (ts.depth == 0) return;
    ShadowFrame& top = ts.stack[ts.depth - 1];
    if (top.iframe == compat::currentFrame()) settlePaused(top, false);
}

ShadowFrame& Recorder::push(ThreadShadow& ts) {
    if (ts.depth == ts.stack.size()) ts.stack.emplace_back();
    return ts.stack[ts.depth++];
}

void Recorder::pushNew(ThreadShadow& ts, _PyInterpreterFrame* iframe, CodeInfo* code) {
    ShadowFrame& sf = push(ts);
    sf.iframe = iframe;
    sf.code = code;
    sf.frameId = nextFrameId_++;
    sf.lastMutations = mutations_;
    sf.lastOpFlags = 0;
    sf.lastStore = CodeInfo::kNoStore;
    sf.nextUnit = UINT32_MAX;
    sf.raiseMutates = false;
    sf.lastYielded = ShadowFrame::kNotYielded;
    sf.suspendsAtEntry = ts.suspends;
    sf.dictInit = false;
    sf.lastDictVersion = 0;
    sf.slots.assign(code->nlocalsplus, SlotShadow{});
    sf.names.clear();
    enc_.call(code->id, compat::frameLasti(iframe));
    if (compat::isGeneratorFrame(iframe)) {
        ts.suspended.erase(iframe);  // a stale entry from a dead generator at the same address
        PyObject* gen = compat::generatorOf(iframe);
        enc_.frameObject(sf.frameId, values_->capture(gen));
        // Once per coroutine: its first CALL (later activations are RESUMEs of the same frame).
        if (options_.originDepth > 0) {
            if (PyObject* origin = compat::coroutineOrigin(gen))
                enc_.coroOrigin(sf.frameId, values_->capture(origin));
        }
    }
}

ShadowFrame* Recorder::frameFor(ThreadShadow& ts, _PyInterpreterFrame* iframe, CodeInfo* code,
                                bool leaving) {
    if (ts.depth > 0 && ts.stack[ts.depth - 1].iframe == iframe) return &ts.stack[ts.depth - 1];
    for (size_t i = ts.depth; i-- > 0;) {
        if (ts.stack[i].iframe == iframe) {
            // Frames above vanished without a return event; forget them.
            ts.depth = i + 1;
            return &ts.stack[i];
        }
    }
    if (!ignored_.empty()) {
        auto it = ignored_.find(iframe);
        if (it != ignored_.end()) {
            if (leaving) ignored_.erase(it);
            return nullptr;
        }
    }
    // A suspended generator that runs on without having been resumed (3.11: a delegate that
    // caught what was thrown in and returned, sent past the frame's RESUME by _gen_throw): the
    // same frame, back on the stack without an event (REENTER).
    if (auto it = resumable(ts, iframe, *code); it != ts.suspended.end()) {
        ShadowFrame& sf = reinstate(ts, it, iframe);
        // Its next recorded instruction is the one running now: nothing before it is implied.
        sf.nextUnit = static_cast<uint32_t>(instructionAt(sf.code, compat::frameLasti(iframe)));
        enc_.reenter(sf.frameId);
        return &sf;
    }
    // A frame that was already running when recording started: it enters the trace here.
    pushNew(ts, iframe, code);
    return &ts.stack[ts.depth - 1];
}

// Which fast slots of the frame's code have a name matching --redact; computed once per code
// object (names read from co_localsplusnames, never through Python code).
const std::vector<uint8_t>& Recorder::redactMaskFor(const ShadowFrame& sf) {
    auto [it, inserted] = redactMasks_.try_emplace(sf.code);
    if (inserted) {
        PyCodeObject* co = compat::frameCode(sf.iframe);
        PyObject* names = co ? co->co_localsplusnames : nullptr;
        it->second.assign(sf.code->nlocalsplus, 0);
        for (uint32_t i = 0; names && PyTuple_Check(names) && i < sf.code->nlocalsplus &&
                             i < static_cast<uint32_t>(PyTuple_GET_SIZE(names));
             ++i) {
            // Interning reads the characters directly (no Python call, no error indicator).
            uint32_t id = values_->internString(PyTuple_GET_ITEM(names, i));
            // A name we cannot read: keep its value private.
            it->second[i] = id == 0xFFFFFFFFu || values_->redactsString(id) ? 1 : 0;
        }
    }
    return it->second;
}

// Whether `cell` is among the objects logged since a frame's last check (STORE_DEREF and
// DELETE_DEREF log the cell they rebind).
bool Recorder::cellRebound(PyObject* cell, const ContainerBloom& changed) const {
    if (!changed.mayContain(cell)) return false;
    for (const MutationChange& c : changes_)
        if (c.obj == cell) return true;
    return false;
}

[[gnu::always_inline]] inline void Recorder::noteOtherThreads() {
    if (*gilSwitches_ != seenGilSwitches_) [[unlikely]] {
        seenGilSwitches_ = *gilSwitches_;
        countUnnamedMutation();
    }
}

void Recorder::deltas(ShadowFrame& sf) {
    noteOtherThreads();
    const CodeInfo* ci = sf.code;
    bool mutated = sf.lastMutations != mutations_;
    // Only known objects changed since this frame's last check: a local needs a re-check only if
    // its last walk read one of them.
    bool targeted = false;
    if (mutated && untargetedAt_ <= sf.lastMutations &&
        mutations_ - sf.lastMutations <= kTargetLog) {
        targeted = true;
        changes_.clear();
        changeSet_.bloom.clear();
        for (uint64_t m = sf.lastMutations + 1; m <= mutations_; ++m) {
            const MutationTargets& t = targetLog_[m % kTargetLog];
            changes_.push_back(t.a);
            changeSet_.bloom.add(t.a.obj);
            if (t.b.obj != nullptr) {
                changes_.push_back(t.b);
                changeSet_.bloom.add(t.b.obj);
            }
        }
        changeSet_.items = changes_.data();
        changeSet_.count = changes_.size();
    }
    const ContainerBloom& changed = changeSet_.bloom;
    // 3.13: another frame may have rebound this frame's fast locals through f_locals, twice
    // between two of our events, the second value at the address the first one freed: then
    // the slots are compared by value (a capture), as cells are below.
    const bool proxyWritten = sf.frameLocalsWrites != frameLocalsWrites_;
    sf.frameLocalsWrites = frameLocalsWrites_;
    sf.lastMutations = mutations_;
    ++deltaRound_;
    PyObject** lp = compat::localsplus(sf.iframe);
    uint32_t n = ci->nlocalsplus;
    const uint8_t* redacted = nullptr;
    if (redacting_) {
        if (sf.redactCode != ci) {
            sf.redactMask = &redactMaskFor(sf);
            sf.redactCode = ci;
        }
        redacted = sf.redactMask->data();
    }
    // Slots bound by implied stores whose events come after this check (catchUp).
    uint64_t skip = deltaSkip_;
    uint32_t nextSkip = skip != 0 ? static_cast<uint32_t>(__builtin_ctzll(skip)) : UINT32_MAX;
    for (uint32_t i = 0; i < n; ++i) {
        if (i == nextSkip) [[unlikely]] {
            skip &= skip - 1;
            nextSkip = skip != 0 ? static_cast<uint32_t>(__builtin_ctzll(skip)) : UINT32_MAX;
            continue;
        }
        PyObject* v = lp[i];
        const bool cell = (ci->kinds[i] & (compat::kFastCell | compat::kFastFree)) != 0;
        PyObject* cellObj = nullptr;
        if (v != nullptr && cell && PyCell_Check(v)) {
            cellObj = v;
            v = PyCell_GET(v);
        }
        SlotShadow& s = sf.slots[i];
        if (redacted != nullptr && redacted[i]) {
            // The value is never read: only binding and unbinding are recorded.
            if (v != s.ptr) {
                if (v == nullptr)
                    enc_.localDel(i);
                else
                    enc_.localSet(i, format::ValueRef::constant(format::Constant::Redacted));
                s.ptr = v;
                s.ref = {};
            }
            continue;
        }
        // After a write through f_locals, a fast local at its old address may be a new object,
        // which must not take the old one's snapshot (whose identity and shape assume the slot
        // kept its object): it is captured as if just bound, and recorded if that differs.
        const bool moved = v != s.ptr;
        if (moved || (proxyWritten && v != nullptr && cellObj == nullptr)) {
            rebindSlot(sf, i, v, cell, moved);
        } else if (v != nullptr && cellObj != nullptr && mutated &&
                   (!targeted || cellRebound(cellObj, changed))) {
            // Other frames rebind a cell without an event in this one, possibly more than once:
            // the address it held at our last check may now hold another object (the first
            // rebinding frees the old value, the second allocates where it was). So the value is
            // not trusted by address: immutable values are captured again (cheap), mutable ones
            // go through the shape check, whatever the filters say.
            format::ValueRef ref;
            if (!s.mayMutate && !ValueCapture::mayMutate(v, options_.limits.maxItems)) {
                ref = values_->capture(v);
            } else if (!s.mayMutate) {
                s.mayMutate = true;
                ref = shapedRef(v, {}, true, cell, sf, s);
            } else {
                ref = shapedRef(v, s.ref, false, cell, sf, s, nullptr);
            }
            if (ref != s.ref) {
                enc_.localSet(i, ref);
                s.ref = ref;
            }
        } else if (v != nullptr && mutated && s.mayMutate &&
                   (!targeted || mayHaveChanged(s.shape.get(), changed))) {
            // Same object, something may have mutated it: the shape check answers "unchanged"
            // without a capture in the common case.
            format::ValueRef ref =
                shapedRef(v, s.ref, false, cell, sf, s, targeted ? &changeSet_ : nullptr);
            if (ref != s.ref) {
                enc_.localSet(i, ref);
                s.ref = ref;
            }
        }
    }
    if (ci->usesLocalsDict) {
        PyObject* d = compat::localsDict(sf.iframe);
        if (d != nullptr && PyDict_Check(d)) dictDeltas(sf, d, mutated, targeted);
    } else if (PyObject* x = compat::extraLocals(sf.iframe); x != nullptr && PyDict_Check(x)) {
        // 3.13: shown after the fast locals, as the proxy iterates them; 3.11/3.12: in the
        // cached dict's order (the replayer's LocalsView).
        dictDeltas(sf, x, mutated, targeted,
                   compat::kExtraLocalsHoldFastNames
                       ? compat::frameCode(sf.iframe)->co_localsplusnames
                       : nullptr);
    }
    sf.lastRound = deltaRound_;
}

void Recorder::rebindSlot(ShadowFrame& sf, uint32_t i, PyObject* v, bool cell, bool moved) {
    SlotShadow& s = sf.slots[i];
    if (v == nullptr) {
        enc_.localDel(i);
        s.ptr = nullptr;
        s.ref = {};
        return;
    }
    // An object that can change in place gets its shape now, so the checks that follow can
    // answer "unchanged" without capturing it again. (mayMutate depends only on the object's
    // type and, for tuples and frozensets, on their fixed items: it is computed once per binding.)
    s.mayMutate = ValueCapture::mayMutate(v, options_.limits.maxItems);
    format::ValueRef ref = s.mayMutate ? shapedRef(v, {}, true, cell, sf, s) : values_->capture(v);
    if (moved || ref != s.ref) enc_.localSet(i, ref);
    s.ptr = v;
    s.ref = ref;
}

// Only the stored slots can differ from the frame's last check: no mutation was counted since
// (so no other frame rebound a cell, and nothing ran that a snapshot could see change), no write
// through f_locals, and the instruction binds those plain locals alone. The loop over every slot
// was most of a check after an assignment in a frame with many locals (nbody's `advance`: 25).
void Recorder::storedSlots(ShadowFrame& sf, uint32_t slots) {
    ++deltaRound_;
    PyObject** lp = compat::localsplus(sf.iframe);
    for (uint32_t i : {slots & 0xFFFF, slots >> 16}) {
        if (i == 0xFFFF) continue;
        PyObject* v = lp[i];
        if (v != sf.slots[i].ptr) rebindSlot(sf, i, v, false, true);
    }
    sf.lastRound = deltaRound_;
}

// The entry for address `v` answers only if no non-pure instruction ran since it was stored (so
// the object's graph is unchanged) and the object at `v` now is the one it describes. An address
// can be reused once its object dies, and pure instructions may free and allocate; what proves
// identity here:
//  - a local that still holds the same pointer as at its frame's previous deltas() has held the
//    object all along (a frame's fast locals change only through its own instructions, each of
//    which is followed by an event), so an entry stored since that round describes it. A cell
//    that holds the same pointer too: other frames can rebind it, but only with STORE_DEREF or
//    DELETE_DEREF (never pure, so the count moves) or C code (inside a non-pure instruction, or
//    after a return into C, which drops every entry). With the count unchanged since the entry
//    was stored, the cell held the object then, alive, and still does. (MAKE_CELL, pure, fills
//    a new cell with the frame's own argument, which its slot held all along.) A cell bound since
//    the previous round is left out: a new frame's cells were filled before its first check.
//  - a local bound since then: only an entry stored or confirmed by the previous or the current
//    deltas() round counts (one instruction ran since: it cannot both free an object another
//    frame's local held and hand its address to a new value stored here), or the caller frame of
//    a call (its locals are unchanged across the CALL) holding the same object with a snapshot
//    taken at the current mutation count.
format::ValueRef Recorder::shapedRef(PyObject* v, format::ValueRef prev, bool rebound, bool cell,
                                     const ShadowFrame& sf, SlotShadow& slot,
                                     const ChangeSet* changes) {
    if (!shareShapes_) {
        ValueShape& shape = ownShape(slot);
        return rebound ? values_->captureShaped(v, shape)
                       : values_->recapture(v, prev, shape, changes);
    }
    auto key = reinterpret_cast<uintptr_t>(v);
    const size_t slotIndex = ((key >> 4) ^ (key >> 12)) & (kRecentShapes - 1);
    RecentShape& e = recentShapes_[slotIndex];
    const bool current = e.obj == v && e.at == mutations_ && e.batchFirst == firstEvent_;
    if (current && !(cell && rebound) &&
        e.round + 1 >= (rebound ? deltaRound_ : sf.lastRound + 1)) {
        e.round = deltaRound_;
        // Shared, not copied: a `yield from` chain d generators deep re-checks the same shared
        // container in every level after each change, and copying its shape (up to 64 entries
        // and their subtrees) into each level made the chain quadratic in d.
        slot.shape = e.shape;
        return e.ref;
    }
    if (rebound && !cell && borrowFrom_ != nullptr && borrowFrom_->lastMutations == mutations_ &&
        borrowFrom_->lastRound + 1 == deltaRound_) {
        const ShadowFrame& caller = *borrowFrom_;
        PyObject** lp = compat::localsplus(caller.iframe);
        for (size_t j = 0; j < caller.slots.size(); ++j) {
            const SlotShadow& cs = caller.slots[j];
            if (cs.ptr == v && cs.mayMutate && lp[j] == v && shapeKnown(cs.shape.get()) &&
                cs.shape->ref == cs.ref) {
                slot.shape = cs.shape;
                return cs.ref;
            }
        }
    }
    // An entry for this object from before the last mutation is never used again (`current`
    // needs the count it was stored at): holding the slot's shape, it would only make the
    // shape look shared, and a shared shape's new version is written apart, copied.
    if (!current && e.obj == v && e.shape.get() == slot.shape.get()) e.shape.reset();
    format::ValueRef ref;
    if (rebound) {
        ref = values_->captureShaped(v, ownShape(slot));
    } else if (slot.shape.get() == nullptr || slot.shape.unique()) {
        ref = values_->recapture(v, prev, ownShape(slot), changes);
    } else {
        // Other slots hold this shape for the same snapshot: a different one is written apart.
        SharedShape out = SharedShape::fresh();
        bool wrote = false;
        ref = values_->recapture(v, prev, *slot.shape.get(), changes, out.get(), &wrote);
        if (wrote) slot.shape = std::move(out);
    }
    // An object referenced only by this local cannot be met through another one, so storing it
    // would only evict an entry that may be used (`records` keeps growing lists and dicts that
    // only one local holds). The reference count is only a hint: a skipped store costs at most a
    // walk later. A cell's object is held by the cell alone, yet every frame sharing the cell
    // meets it.
    if (!cell && Py_REFCNT(v) <= 1) return ref;
    e.obj = v;
    e.at = mutations_;
    e.round = deltaRound_;
    e.batchFirst = firstEvent_;
    e.ref = ref;
    e.shape = slot.shape;
    return ref;
}

ValueShape& Recorder::ownShape(SlotShadow& s) {
    if (!s.shape.unique()) s.shape = SharedShape::fresh();
    return *s.shape.get();
}

namespace {

// Whether str `k` is one of the names in tuple `names`. The cached f_locals dict's keys for fast
// locals are the code's own name objects; an equal str put there by the program (locals()["a"]
// = 1 while `a` is unbound) is compared by value, which runs no Python code for exact strs.
bool isOneOf(PyObject* k, PyObject* names) {
    const Py_ssize_t n = PyTuple_GET_SIZE(names);
    for (Py_ssize_t i = 0; i < n; ++i)
        if (PyTuple_GET_ITEM(names, i) == k) return true;
    for (Py_ssize_t i = 0; i < n; ++i) {
        PyObject* name = PyTuple_GET_ITEM(names, i);
        if (PyUnicode_CheckExact(name) && PyUnicode_Compare(k, name) == 0) return true;
    }
    return false;
}

}  // namespace

void Recorder::dictDeltas(ShadowFrame& sf, PyObject* dict, bool mutated, bool targeted,
                          PyObject* skipNames) {
    uint64_t version = compat::dictVersion(dict);
    if (sf.dictInit && !mutated && version == sf.lastDictVersion) return;
    // Other frames rebind names here (`global x; x = ...`, stores through the module) without an
    // event of this frame, possibly twice, and the second value can take the address the first
    // one freed: then an unchanged address proves nothing. Only when the namespace changed while
    // other frames were checked since this one's last check (deltas() counts the rounds).
    const bool rebindable =
        sf.dictInit && version != sf.lastDictVersion && deltaRound_ != sf.lastRound + 1;
    sf.dictInit = true;
    sf.lastDictVersion = version;
    uint64_t epoch = ++sf.sweep;
    Py_ssize_t pos = 0;
    PyObject *k, *v;
    size_t live = 0;
    while (PyDict_Next(dict, &pos, &k, &v)) {
        if (!PyUnicode_CheckExact(k)) continue;
        if (skipNames != nullptr && isOneOf(k, skipNames)) continue;
        auto [it, inserted] = sf.names.try_emplace(k);
        NameShadow& ns = it->second;
        if (inserted) ns.stringId = values_->internString(k);
        ns.seen = epoch;
        ++live;
        if (ns.stringId == 0xFFFFFFFFu) continue;
        if (values_->redactsString(ns.stringId)) {
            if (v != ns.ptr) {
                enc_.nameSet(ns.stringId, format::ValueRef::constant(format::Constant::Redacted));
                ns.ptr = v;
            }
            continue;
        }
        if (v != ns.ptr) {
            ns.mayMutate = ValueCapture::mayMutate(v, options_.limits.maxItems);
            format::ValueRef ref =
                ns.mayMutate ? values_->captureShaped(v, ns.shape) : values_->capture(v);
            enc_.nameSet(ns.stringId, ref);
            ns.ptr = v;
            ns.ref = ref;
        } else if (rebindable && !ns.mayMutate) {
            ns.mayMutate = ValueCapture::mayMutate(v, options_.limits.maxItems);
            format::ValueRef ref =
                ns.mayMutate ? values_->captureShaped(v, ns.shape) : values_->capture(v);
            if (ref != ns.ref) {
                enc_.nameSet(ns.stringId, ref);
                ns.ref = ref;
            }
        } else if (mutated && ns.mayMutate &&
                   (!targeted || mayHaveChanged(&ns.shape, changeSet_.bloom))) {
            // As for fast locals (deltas()): module-level code re-walked every mutable global
            // after each mutation, however well it was known (`table[k] = v` in a loop over a
            // module with big dicts: every one of them, at every iteration).
            format::ValueRef ref =
                values_->recapture(v, ns.ref, ns.shape, targeted ? &changeSet_ : nullptr);
            if (ref != ns.ref) {
                enc_.nameSet(ns.stringId, ref);
                ns.ref = ref;
            }
        }
    }
    if (live != sf.names.size()) {
        for (auto it = sf.names.begin(); it != sf.names.end();) {
            if (it->second.seen != epoch) {
                // A key object that left the dict; if the same name is bound again through another
                // str object, that entry already emitted its NAME_SET, so only report a deletion
                // when no live entry carries the name.
                uint32_t sid = it->second.stringId;
                bool rebound = false;
                for (auto& [key, other] : sf.names)
                    if (other.seen == epoch && other.stringId == sid) rebound = true;
                if (!rebound && sid != 0xFFFFFFFFu) enc_.nameDel(sid);
                it = sf.names.erase(it);
            } else {
                ++it;
            }
        }
    }
}

// A generator frame at the address of a suspended one we know: is this the start of a new
// generator (the old one ended without an event: 3.13 closes a generator suspended outside any
// `try` without running it) rather than the old one resuming? Every suspension point is a
// YIELD_VALUE, and a resumed frame is at or after one; a new frame is at its first RESUME, before
// any. Only runs when the address is known, so the scan is off the hot path.
bool Recorder::startsFresh(_PyInterpreterFrame* iframe, const CodeInfo& code) {
    const int lasti = compat::frameLasti(iframe);
    for (size_t unit = 0; unit < code.opFlags.size(); ++unit)
        if (code.opFlags[unit] & opflag::kYield) return lasti < static_cast<int>(unit * 2);
    return true;  // no yield at all: it cannot be a resumption
}

// The suspended frame that `iframe` is, going on (not a new generator at a dead one's address:
// startsFresh), or ts.suspended.end().
ThreadShadow::SuspendedMap::iterator Recorder::resumable(ThreadShadow& ts,
                                                         _PyInterpreterFrame* iframe,
                                                         const CodeInfo& code) {
    if (ts.suspended.empty() || !compat::isGeneratorFrame(iframe)) return ts.suspended.end();
    auto it = ts.suspended.find(iframe);
    return it != ts.suspended.end() && !startsFresh(iframe, code) ? it : ts.suspended.end();
}

// Puts a suspended generator frame back on top of the thread's shadow stack.
ShadowFrame& Recorder::reinstate(ThreadShadow& ts, ThreadShadow::SuspendedMap::iterator it,
                                 _PyInterpreterFrame* iframe) {
    ShadowFrame& sf = push(ts);
    sf = std::move(it->second);
    ts.suspended.erase(it);
    sf.suspendsAtEntry = ts.suspends;
    // A suspended frame's slots change only through non-pure instructions (a cell rebound
    // elsewhere, a write through frame.f_locals): unless the count moved, the check at its yield
    // still holds.
    sf.lastOpFlags &= opflag::kNoLocalWrite;
    sf.lastStore = CodeInfo::kNoStore;
    // Whatever resumed the generator ran since its yield: unless that was traced code, which
    // reports itself, it may have changed what the frame holds.
    if (!purity::resumedByReporter(codes_, iframe, static_cast<purity::Yielded>(sf.lastYielded)))
        countUnnamedMutation();
    return sf;
}

void Recorder::onCall(_PyInterpreterFrame* iframe, CodeInfo* code) {
    ThreadShadow& ts = thread();
    switchThread(ts);
    // Called from inside an implied instruction of the frame below (a signal handler or a
    // finalizer run by a backward jump's eval-breaker check, a finalizer run by a dropped
    // reference), maybe through frames that are not recorded.
    if (ts.depth > 0) {
        ShadowFrame& below = ts.stack[ts.depth - 1];
        _PyInterpreterFrame* p = iframe->previous;
        for (int hops = 0; p != nullptr && hops < 8; ++hops, p = p->previous) {
            if (p == below.iframe) {
                settlePaused(below);
                break;
            }
        }
    }
    if (auto it = resumable(ts, iframe, *code); it != ts.suspended.end()) {
        ShadowFrame& sf = reinstate(ts, it, iframe);
        enteredAt(sf, iframe);
        enc_.resume(sf.frameId, compat::frameLasti(iframe));
        checkLocals(sf);
        // Nothing runs between this check and the frame's next event but the RESUME
        // instruction: that event need not compare the slots again (opcodeIn).
        sf.lastOpFlags = opflag::kNoLocalWrite;
        sf.lastStore = CodeInfo::kNoStore;
        return;
    }
    // No hand-over here: the argument LOCAL_SETs that follow belong to the next event, and a batch
    // always ends right after a numbered record.
    pushNew(ts, iframe, code);
    // Arguments the caller holds in its own locals reuse the caller's snapshots (shapedRef).
    ShadowFrame* caller = ts.depth >= 2 && ts.stack[ts.depth - 2].iframe == iframe->previous
                              ? &ts.stack[ts.depth - 2]
                              : nullptr;
    borrowFrom_ = caller;
    enteredAt(ts.stack[ts.depth - 1], iframe);
    deltas(ts.stack[ts.depth - 1]);
    borrowFrom_ = nullptr;
    ts.stack[ts.depth - 1].lastOpFlags = opflag::kNoLocalWrite;  // as for a resumption above
    ts.stack[ts.depth - 1].lastStore = CodeInfo::kNoStore;
}

bool Recorder::onOpcode(_PyInterpreterFrame* frame, CodeInfo* code) {
    ThreadShadow& ts = thread();
    switchThread(ts);
    ShadowFrame* sfp = frameFor(ts, frame, code, false);
    if (!sfp) return false;
    return !opcodeIn(ts, *sfp, frame);
}

Recorder::AtTop Recorder::onOpcodeAtTop(_PyInterpreterFrame* frame) {
    ThreadShadow& ts = thread();
    if (ts.depth == 0 || ts.stack[ts.depth - 1].iframe != frame) return kNotTop;
    return opcodeIn(ts, ts.stack[ts.depth - 1], frame) ? kRecorded : kImpliedEvent;
}

// A call or resumption is reported at the frame's RESUME instruction (its f_lasti), which has no
// opcode event of its own: the instructions after it follow it as they follow a recorded one.
void Recorder::enteredAt(ShadowFrame& sf, _PyInterpreterFrame* iframe) {
    const size_t i = instructionAt(sf.code, compat::frameLasti(iframe));
    sf.nextUnit = i < sf.code->opFlags.size() ? unitAfter(sf.code, i) : UINT32_MAX;
}

// The slots the instruction at unit `u` binds when it is an implied store, as a bit set.
static uint64_t storeBits(const CodeInfo& ci, size_t u) {
    return (ci.flow[u] & flow::kImpliedStore) && (ci.opFlags[u] & opflag::kImplied)
               ? flow::slotBits(ci.storeSlots[u])
               : 0;
}

void Recorder::catchUp(ShadowFrame& sf, size_t i, bool through, bool fullCheck) {
    PendingRun run;
    bool known;
    const uint32_t line = i < sf.code->flow.size() ? flow::runOf(sf.code->flow[i]) : 0;
    if (line != 0 && static_cast<size_t>(sf.nextUnit) + line == i) {
        // The straight line of implied instructions into `i` (CodeTable::markImplied): no walk.
        const uint32_t f = sf.code->flow[i];
        run.from = sf.nextUnit;
        run.end = i;
        run.stores = (f & flow::kRunHasStore) ? sf.code->lineStores[i] : 0;
        if (through) run.stores |= storeBits(*sf.code, i);
        known = true;
    } else {
        known = walkPending(sf, i, through, run);
    }
    deltaSkip_ = known ? run.stores : 0;
    if (fullCheck)
        deltas(sf);
    else
        checkLocals(sf);
    deltaSkip_ = 0;
    if (!known) return;
    const CodeInfo* ci = sf.code;
    for (size_t u = run.from; u < run.end; u += ci->flow[u] & flow::kSizeMask) {
        enc_.opcode(static_cast<uint32_t>(2 * u));
        ++implied_.written;
        if (run.stores != 0 && (ci->flow[u] & flow::kImpliedStore)) storedSlots(sf, ci->storeSlots[u]);
    }
    if (through) {
        enc_.opcode(static_cast<uint32_t>(2 * i));
        ++implied_.written;
        if (run.stores != 0 && (ci->flow[i] & flow::kImpliedStore)) storedSlots(sf, ci->storeSlots[i]);
    }
}

bool Recorder::walkPending(const ShadowFrame& sf, size_t i, bool through, PendingRun& run) {
    const CodeInfo* ci = sf.code;
    if (i + 1 >= ci->flow.size()) return false;
    const size_t units = ci->flow.size() - 1;
    size_t s = sf.nextUnit;
    while (s < units && (ci->opFlags[s] & opflag::kExtendedArg)) ++s;
    // Only when the frame's position before them is known: not for a frame adopted in the middle,
    // whose earlier instructions may have run before recording started (nothing is invented).
    if (s >= units) {
        if (through || (ci->flow[i] & flow::kFromImplied)) ++implied_.unknownStart;
        return false;
    }
    size_t end = SIZE_MAX;  // the walk's end (exclusive) once it reaches `i`
    uint64_t stores = 0;
    for (size_t u = s; u < units;) {
        if (u == i) {
            end = i;
            break;
        }
        if (!(ci->opFlags[u] & opflag::kImplied)) break;
        const uint32_t f = ci->flow[u];
        if (f & flow::kImpliedStore) stores |= storeBits(*ci, u);
        const size_t next = u + (f & flow::kSizeMask);
        if ((f & flow::kJumps) && ci->jumpTo[u] == i) {
            end = next;
            break;
        }
        if (f & flow::kNoFall) break;  // a return, or a jump elsewhere
        u = next;
    }
    if (end == SIZE_MAX) {
        // Control reached `i` some way the walk does not know. Harmless when `i` is an entry
        // point reached by a recorded jump; else its events are lost: REEL_IMPLIED_CHECK=1
        // reports these, and the tests require none.
        if (through || (ci->flow[i] & flow::kFromImplied)) {
            ++implied_.strayRuns;
            if (impliedCheck_)
                std::fprintf(stderr, "reel: stray implied run: code %u, offset %zu, from %zu\n",
                             ci->id, 2 * i, 2 * s);
        }
        return false;
    }
    if (through) stores |= storeBits(*ci, i);
    run.from = s;
    run.end = end;
    run.stores = stores;
    return true;
}

bool Recorder::impliedNow(ShadowFrame& sf, size_t i, _PyInterpreterFrame* frame) {
    CodeInfo* ci = sf.code;
    uint32_t& f = ci->flow[i];
    if (f & flow::kImpliedStore) {
        // (--redact: deltas() has the rules for redacted slots, which storedSlots does not know.)
        if (redacting_ || storeRisky(sf, ci->storeSlots[i])) {
            ++implied_.storesRecorded;
            return false;
        }
        f |= flow::kDisabled;
        return true;
    }
    // Judged per execution (LOAD_GLOBAL): implied when it runs no code this time.
    if (!dynPurity_) return false;
    MutationChange t[2];
    return purity::judge(codes_, *ci, i, frame, false, t).pure();
}

bool Recorder::holdsChangeable(const ShadowFrame& sf, uint32_t slots) const {
    PyObject** lp = compat::localsplus(sf.iframe);
    for (uint32_t k : {slots & 0xFFFF, slots >> 16}) {
        if (k == 0xFFFF) continue;
        PyObject* v = lp[k];
        if (v != nullptr && ValueCapture::mayMutate(v, options_.limits.maxItems)) return true;
    }
    return false;
}

bool Recorder::storeRisky(const ShadowFrame& sf, uint32_t slots) const {
    if (sf.lastMutations == mutations_) return false;
    return sf.frameLocalsWrites != frameLocalsWrites_ || holdsChangeable(sf, slots);
}

void Recorder::guardStores(ShadowFrame& sf, bool onlyMutable) {
    if (reinstrument_ == nullptr) return;
    CodeInfo* ci = sf.code;
    const size_t units = ci->flow.size() - 1;
    size_t u = sf.nextUnit;
    if (u >= units || !(ci->flow[u] & flow::kStoreAhead)) return;
    bool switchedOff = false;
    while (u < units && (ci->opFlags[u] & opflag::kImplied)) {
        uint32_t& f = ci->flow[u];
        if ((f & flow::kImpliedStore) && (!onlyMutable || holdsChangeable(sf, ci->storeSlots[u]))) {
            // The store is recorded from now on: the instructions after it have it as the
            // recorded instruction they come from, which binds none of their slots.
            ci->opFlags[u] &= static_cast<uint16_t>(~opflag::kImplied);
            switchedOff = (f & flow::kDisabled) != 0;
            f &= ~(flow::kImpliedStore | flow::kConditional | flow::kDisabled);
            ++implied_.storesDemoted;
            break;
        }
        if (f & flow::kNoFall) break;
        u += f & flow::kSizeMask;
    }
    if (switchedOff) reinstrument_(compat::frameCode(sf.iframe));
}

size_t Recorder::pendingAt(const ShadowFrame& sf, int lasti, bool raised) const {
    size_t at = instructionAt(sf.code, lasti);
    // 3.11/3.12 may report an exception inside the inline cache of the instruction that raised.
    if (raised)
        while (at > 0 && at < sf.code->opFlags.size() && (sf.code->opFlags[at] & opflag::kCacheUnit))
            --at;
    if (at >= sf.code->opFlags.size() || !(sf.code->opFlags[at] & opflag::kImplied))
        return SIZE_MAX;
    // Already past it: its event was written (settlePaused, for a second finalizer run by the same
    // check), or 3.11 reports a generator thrown into while it waits in `await`/`yield from` at
    // the JUMP_BACKWARD_NO_INTERRUPT back to SEND, having moved it past the loop.
    if (sf.nextUnit == unitAfter(sf.code, at) || sf.nextUnit == unitNext(sf.code, at))
        return SIZE_MAX;
    return at;
}

uint16_t Recorder::writeThrough(ShadowFrame& sf, size_t at, bool fullCheck) {
    catchUp(sf, at, true, fullCheck);
    sf.nextUnit = unitNext(sf.code, at);
    return sf.code->opFlags[at];
}

void Recorder::settlePaused(ShadowFrame& sf, bool guard) {
    const size_t at = pendingAt(sf, compat::frameLasti(sf.iframe));
    if (at != SIZE_MAX) {
        sf.lastOpFlags = writeThrough(sf, at);
        sf.lastStore = CodeInfo::kNoStore;
    }
    // 3.13's FrameLocalsProxy lets the code that runs now rebind the locals of this frame.
    if (guard && sf.nextUnit < sf.code->flow.size() && (sf.code->flow[sf.nextUnit] & flow::kStoreAhead))
        guardStores(sf, compat::kMinorVersion < 13);
}

[[gnu::always_inline]] inline void Recorder::checkLocals(ShadowFrame& sf) {
    noteOtherThreads();
    // After an instruction that binds no local and ran no code (no mutation counted since this
    // frame's last check), the slots hold what they held: nothing to compare. That is exactly a
    // check that found nothing, so it counts as one (shapedRef reasons in rounds).
    // Cells and free variables do not prevent it: another frame (in any thread) rebinds them only
    // with STORE_DEREF/DELETE_DEREF, never pure, or with C code inside a non-pure instruction, so
    // the count moves first. A frame with a locals dict is always checked (dictDeltas), and so
    // is a 3.11/3.12 function frame with a cached f_locals dict: code that `exec` runs on it
    // binds names there without counting a mutation.
    if (skipUnwritten_ && sf.lastMutations == mutations_ && !sf.code->usesLocalsDict &&
        (!compat::kExtraLocalsHoldFastNames || compat::extraLocals(sf.iframe) == nullptr)) {
        if (sf.lastOpFlags & opflag::kNoLocalWrite) {
            sf.lastRound = ++deltaRound_;
            return;
        }
        if (sf.lastStore != CodeInfo::kNoStore && sf.frameLocalsWrites == frameLocalsWrites_) {
            storedSlots(sf, sf.lastStore);
            return;
        }
    }
    deltas(sf);
}

[[gnu::always_inline]] inline bool Recorder::opcodeIn(ThreadShadow& ts, ShadowFrame& sf,
                                                     _PyInterpreterFrame* frame) {
    const int lasti = compat::frameLasti(frame);
    CodeInfo* ci = sf.code;
    const size_t i = instructionAt(ci, lasti);
    const bool known = i < ci->opFlags.size();
    uint16_t flags = known ? ci->opFlags[i] : 0;
    // It changes nothing and runs nothing: the next recorded instruction of this frame writes its
    // event, after the same state checks this one would have made.
    if (flags & opflag::kImplied) {
        if (!(ci->flow[i] & flow::kConditional) || impliedNow(sf, i, frame)) return false;
        flags &= static_cast<uint16_t>(~opflag::kImplied);  // recorded this time
    }
    // Only now: an implied event writes nothing, not even a THREAD record (3.11 reports them).
    switchThread(ts);
    if (known && sf.nextUnit != i) [[unlikely]] {
        const uint32_t f = ci->flow[i];
        const uint32_t run = flow::runOf(f);
        if (run != 0 && static_cast<size_t>(sf.nextUnit) + run == i &&
            (f & (flow::kRunOneUnit | flow::kRunHasStore)) == flow::kRunOneUnit) {
            checkLocals(sf);
            enc_.opcodeRun(static_cast<uint32_t>(2 * sf.nextUnit), run);
            implied_.written += run;
        } else {
            catchUp(sf, i, false);
        }
    } else {
        checkLocals(sf);
    }
    if (known) {
        sf.nextUnit = unitNext(ci, i);
        // Not under --redact: deltas() has the rules for redacted slots.
        sf.lastStore = redacting_ ? CodeInfo::kNoStore : ci->storeSlots[i];
    } else {
        sf.nextUnit = UINT32_MAX;
        sf.lastStore = CodeInfo::kNoStore;
    }
    enc_.opcode(static_cast<uint32_t>(lasti < 0 ? 0 : lasti));
    sf.lastOpFlags = flags;
    if (checkDepths_ && known) checkDepth(*ci, i, frame);
    // Locals are re-checked for in-place changes only after a non-pure instruction; whether
    // BINARY_OP, CALL, LOAD_ATTR, ... are pure depends on their operands (Purity.h).
    const uint8_t kind = known && dynPurity_ ? ci->dynKind[i] : dyn::kNone;
    MutationChange t[2];
    purity::Verdict v{(flags & opflag::kPure) != 0, 0};
    if (!v.pure() && kind != dyn::kNone) {
        if (purity::quickPure(*ci, i, kind, frame))
            v = purity::Verdict{true};
        else
            v = purity::judge(codes_, *ci, i, frame, targeted_, t);
    }
    sf.raiseMutates = v.raiseMutates();
    if (!v.pure()) {
        ++mutations_;
        if (v.writesFrameLocals()) ++frameLocalsWrites_;
        if (v.targets() == 0) {
            untargetedAt_ = mutations_;
            if (countSites_) noteUnnamedSite(frame, 2 * i);
        }
        else
            targetLog_[mutations_ % kTargetLog] = {t[0], t[1]};
        if (known && (ci->flow[sf.nextUnit] & flow::kStoreAhead)) [[unlikely]]
            guardStores(sf, !v.writesFrameLocals());
        if (checkDepths_ && known) ++depthChecks_.impure[ci->dynKind[i]];
    } else if (checkDepths_ && known) {
        ++depthChecks_.pure[ci->dynKind[i]];
    }
    if (++checkCountdown_ >= kClockCheckEvery || enc_.bytes() >= kHandOverEventBytes)
        maybeHandOver();
    return true;
}

// REEL_CHECK_STACK_DEPTH=1 (tests): on 3.11, where the interpreter saves the stack pointer at
// opcode events, the static depth table (CodeTable::stackDepths, used by Purity on 3.12/3.13) must
// agree with it at every event; a disagreement stops the recording with an internal error.
void Recorder::checkDepth(const CodeInfo& ci, size_t i, _PyInterpreterFrame* frame) {
    ++depthChecks_.events;
    const int saved = compat::savedStackDepth(frame, ci.nlocalsplus);
    const int table = i < ci.depth.size() ? ci.depth[i] : -1;
    if (table < 0) ++depthChecks_.unknown;
    if (saved < 0 || table < 0) return;
    ++depthChecks_.compared;
    if (saved != table)
        throw std::runtime_error("stack depth table disagrees with the interpreter at offset " +
                                 std::to_string(2 * i) + " of code " + std::to_string(ci.id) +
                                 ": table " + std::to_string(table) + ", saved " +
                                 std::to_string(saved));
}

void Recorder::onReturn(_PyInterpreterFrame* frame, CodeInfo* code, PyObject* arg) {
    ThreadShadow& ts = thread();
    switchThread(ts);
    ShadowFrame* sfp = frameFor(ts, frame, code, true);
    if (!sfp) return;
    ShadowFrame& sf = *sfp;
    const int lasti = compat::frameLasti(frame);
    uint16_t flags = sf.lastOpFlags;
    // A RETURN_* whose event is implied: its event (and its run's) right before the return's,
    // where the interpreter reported it (nothing runs between the two), after the frame's check.
    if (const size_t at = arg != nullptr ? pendingAt(sf, lasti) : SIZE_MAX; at != SIZE_MAX)
        flags = writeThrough(sf, at);
    else
        checkLocals(sf);  // RETURN_*/YIELD_VALUE write no local
    // A yield: the frame suspends. What it has yielded decides what its consumer may do.
    const bool suspend = arg != nullptr && !(flags & opflag::kReturn) &&
                         (flags & opflag::kYield) && compat::isGeneratorFrame(sf.iframe);
    if (suspend) {
        ++ts.suspends;
        const auto kind = static_cast<uint8_t>(purity::yieldedKind(arg));
        sf.lastYielded = sf.lastYielded == ShadowFrame::kNotYielded || sf.lastYielded == kind
                             ? kind
                             : static_cast<uint8_t>(purity::Yielded::Other);
    }
    // Control goes back to C code, which may change objects before any traced instruction counts
    // a mutation (list.sort rearranging the list its key= function just saw, list.extend(gen)
    // appending what the generator yielded): the shared snapshots taken at the current count no
    // longer prove anything. (The frames that run next re-check: the C code runs inside a
    // non-pure instruction of a traced frame, counted before it, or resumes a generator, counted
    // at the resumption.)
    const bool toC =
        compat::isGeneratorFrame(frame)
            ? !purity::resumedByReporter(codes_, frame,
                                         suspend ? static_cast<purity::Yielded>(sf.lastYielded)
                                                 : purity::yieldedKind(arg))
            : compat::entersFromC(frame);
    if (toC) {
        for (RecentShape& e : recentShapes_) e.obj = nullptr;
        // A generator suspended while this frame ran (this frame itself, yielding to C code, or
        // one that a sort's key function, a defaultdict factory or a finalizer resumed) checked
        // its locals in the middle of the C code's work, and that work goes on now:
        // `xs.sort(key=...)` puts the items back, `xs.extend(islice(gen, 2))` appends the second
        // item. When traced code resumes the generator (`next(gen)`), nothing else counts a
        // mutation before its next check.
        if (ts.suspends != sf.suspendsAtEntry) countUnnamedMutation();
    }
    if (code->resultRead != 0 && arg != nullptr) [[unlikely]] {
        const bool plain = code->resultRead == CodeInfo::kReadStr
                               ? PyUnicode_CheckExact(arg)
                               : arg == Py_True || arg == Py_False || arg == Py_NotImplemented ||
                                     PyLong_CheckExact(arg);
        if (!plain) countUnnamedMutation();
    }
    if (arg == nullptr) {
        enc_.unwind(lasti);
    } else if (flags & opflag::kReturn) {
        enc_.ret(values_->capture(arg), lasti);
    } else if (suspend) {
        enc_.yield(values_->capture(arg), lasti);
    } else {
        // 3.12+ legacy tracing reports an unwind as 'return' with None at the raising
        // instruction.
        enc_.unwind(lasti);
    }
    if (suspend) ts.suspended[sf.iframe] = std::move(sf);
    --ts.depth;
    maybeHandOver();
}

void Recorder::onException(_PyInterpreterFrame* frame, CodeInfo* code, PyObject* arg) {
    ThreadShadow& ts = thread();
    switchThread(ts);
    ShadowFrame* sfp = frameFor(ts, frame, code, false);
    if (!sfp) return;
    if (sfp->raiseMutates) {
        // The instruction was pure only if it completed (purity::Verdict::raiseMutates).
        sfp->raiseMutates = false;
        countUnnamedMutation();
    }
    // Raised by an instruction whose event is implied (3.11's LOAD_FAST of an unbound local, a
    // LOAD_GLOBAL of an unknown name): its event, and its run's, come first, as the interpreter
    // reported them, after the frame's check.
    if (const size_t at = pendingAt(*sfp, compat::frameLasti(frame), true); at != SIZE_MAX)
        writeThrough(*sfp, at, true);
    else
        deltas(*sfp);
    sfp->lastOpFlags = 0;
    sfp->lastStore = CodeInfo::kNoStore;
    PyObject* exc = arg;
    if (arg != nullptr && PyTuple_Check(arg) && PyTuple_GET_SIZE(arg) >= 2) {
        exc = PyTuple_GET_ITEM(arg, 1);
        if (exc == Py_None || exc == nullptr) exc = PyTuple_GET_ITEM(arg, 0);
    }
    format::ValueRef ref =
        exc ? values_->capture(exc) : format::ValueRef::constant(format::Constant::None);
    enc_.exception(ref, compat::frameLasti(frame));
    if (flight_) recentExceptions_[recentExceptionCount_++ % kRecentExceptions] = ref;
    maybeHandOver();
}

void Recorder::onHandled(_PyInterpreterFrame* frame, CodeInfo* code, int handlerOffset) {
    ThreadShadow& ts = thread();
    switchThread(ts);
    ShadowFrame* sfp = frameFor(ts, frame, code, false);
    if (!sfp || handlerOffset < 0) return;
    // Unnumbered: it belongs to the handler's first opcode event, which follows at once.
    enc_.handled(static_cast<uint32_t>(handlerOffset));
}

void Recorder::onOutput(int stream, const char* data, size_t len) {
    ThreadShadow& ts = thread();
    switchThread(ts);
    settleCurrent(ts);  // written by C code the eval breaker ran (a finalizer's warning)
    enc_.output(static_cast<uint32_t>(stream), data, len);
}

void Recorder::onAsyncGenHook(int hook, PyObject* agen) {
    ThreadShadow& ts = thread();
    switchThread(ts);
    settleCurrent(ts);  // the finalizer hook of an async generator the collector frees
    enc_.asyncGenHook(static_cast<uint32_t>(hook), values_->capture(agen));
}

void Recorder::maybeHandOver() {
    if (enc_.bytes() >= kHandOverEventBytes || values_->pendingBytes() >= kHandOverValueBytes ||
        (flight_ && eventCount() >= nextGeneration_)) {
        handOver(true);
        // The replayed clock (ProgramState::timeNs: the GUI's "t =", `reel slice --from-time`)
        // moves only at TIME records. A busy loop fills its batches by size before the interval
        // below is reached, so without one here such a run had no TIME record at all: every
        // event at t = 0 and no --from-time window but 0.
        enc_.time(monotonicNs() - startNs_);
        return;
    }
    if (checkCountdown_ >= kClockCheckEvery) {
        checkCountdown_ = 0;
        if (flight_) {
            // Opcode events come here every kClockCheckEvery; come sooner when the generation
            // ends before that (other events only add to the count).
            const uint64_t left = nextGeneration_ - eventCount();
            if (left < kClockCheckEvery)
                checkCountdown_ = static_cast<uint32_t>(kClockCheckEvery - left);
        }
        int64_t now = monotonicNs();
        if (now - batchStartNs_ >= handOverIntervalNs_) handOver(true);
        // The clock was read anyway: a TIME record here (a few bytes per kClockCheckEvery
        // events) gives the replayed clock that resolution instead of a batch's, up to 1 MiB of
        // events (the GUI's "t =", the Chrome timeline, `reel slice --from-time`).
        enc_.time(now - startNs_);
    }
}

void Recorder::handOver(bool mayEndGeneration) {
    format::Batch b;
    codes_.drainInto(b.defs);
    for (auto& t : pendingThreads_) b.defs.threads.push_back(std::move(t));
    pendingThreads_.clear();
    values_->drainInto(b);
    b.firstEvent = firstEvent_;
    b.eventCount = enc_.eventCount;
    b.startThread = batchStartThread_;
    b.startNextFrameId = batchStartFrameId_;
    b.startTimeNs = batchStartNs_ - startNs_;
    int64_t now = monotonicNs();
    b.endTimeNs = now - startNs_;
    if (b.eventCount == 0 && enc_.tags.empty() && b.defs.empty() && b.valueCount == 0) return;
    b.tags = std::move(enc_.tags);
    b.args = std::move(enc_.args);
    b.blobs = std::move(enc_.blobs);
    firstEvent_ += enc_.eventCount;
    enc_.reset();
    enc_.tags.reserve(kHandOverEventBytes + 4096);
    enc_.args.reserve(kHandOverEventBytes);
    batchStartThread_ = curThread_;
    batchStartFrameId_ = nextFrameId_;
    batchStartNs_ = now;
    if (!flight_) {
        writer_->append(std::move(b));
        return;
    }
    std::vector<uint64_t> pinned;
    const bool ends = mayEndGeneration && firstEvent_ >= nextGeneration_;
    if (ends) {
        // Captures from here on go to the next generation file: no dedup hit may return a
        // record that file will not have.
        const size_t n = std::min(recentExceptionCount_, kRecentExceptions);
        pinned = values_->startGeneration(std::vector<format::ValueRef>(
            recentExceptions_.begin(), recentExceptions_.begin() + static_cast<long>(n)));
        nextGeneration_ = firstEvent_ + options_.flightLast;
    }
    flight_->append(std::move(b), ends, std::move(pinned));
}

void Recorder::flush() {
    if (finished_) return;
    handOver();
    if (flight_)
        flight_->flush();
    else
        writer_->flush();
}

void Recorder::pauseWriters() {
    if (finished_) return;
    if (flight_)
        flight_->pauseWorker();
    else
        writer_->pauseWorker();
}

void Recorder::finish(const format::ExitInfo& exit) {
    if (finished_) return;
    finished_ = true;
    handOver();
    if (flight_)
        flight_->close(exit);
    else
        writer_->close(exit);
}

}  // namespace reel::recorder

#include "ThreadStateSlot.h"

#include "Compat.h"

#if defined(__x86_64__) && defined(__GLIBC__) && PY_VERSION_HEX >= 0x030C0000
#define REEL_TSTATE_SLOT 1
#include <link.h>

#include <cstdint>
#include <cstring>

// The x86-64 ABI's TLS lookup (ld.so); its argument is a {module, offset} pair.
extern "C" void* __tls_get_addr(void*);
#endif

namespace reel::recorder::tstate {

__thread PyThreadState** tlSlot __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

// CPython's getter: the function whose object file holds `_Py_tss_tstate`.
#if PY_VERSION_HEX >= 0x030D0000
constexpr auto getter = &PyThreadState_GetUnchecked;
#else
constexpr auto getter = &_PyThreadState_UncheckedGet;
#endif

#ifdef REEL_TSTATE_SLOT
struct TlsIndex {
    unsigned long module = 0;
    unsigned long offset = 0;
};
TlsIndex gIndex;        // module 0: no direct reads
bool gInitDone = false;
__thread bool tlTried __attribute__((tls_model("initial-exec"))) = false;

struct Search {
    uintptr_t code;  // an address inside the object sought
    size_t module = 0;
    const void* block = nullptr;  // the calling thread's instance of its TLS segment
    size_t size = 0;
};

int findObject(struct dl_phdr_info* info, size_t, void* data) {
    auto* s = static_cast<Search*>(data);
    bool inside = false;
    size_t tlsSize = 0;
    for (int k = 0; k < info->dlpi_phnum; ++k) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[k];
        const uintptr_t start = info->dlpi_addr + ph.p_vaddr;
        if (ph.p_type == PT_LOAD && s->code >= start && s->code < start + ph.p_memsz) inside = true;
        if (ph.p_type == PT_TLS) tlsSize = ph.p_memsz;
    }
    if (!inside) return 0;
    s->module = info->dlpi_tls_modid;
    s->block = info->dlpi_tls_data;
    s->size = tlsSize;
    return 1;
}
#endif

}  // namespace

bool init() {
#ifdef REEL_TSTATE_SLOT
    if (gInitDone) return gIndex.module != 0;
    gInitDone = true;
    PyThreadState* ts = getter();
    if (ts == nullptr) return false;
    Search s;
    s.code = reinterpret_cast<uintptr_t>(getter);
    if (dl_iterate_phdr(findObject, &s) == 0 || s.module == 0 || s.block == nullptr) return false;
    size_t found = 0, offset = 0;
    for (size_t off = 0; off + sizeof(void*) <= s.size; off += sizeof(void*)) {
        PyThreadState* word;
        std::memcpy(&word, static_cast<const char*>(s.block) + off, sizeof word);
        if (word == ts) {
            ++found;
            offset = off;
        }
    }
    if (found != 1) return false;
    gIndex = {s.module, offset};
    auto** slot = static_cast<PyThreadState**>(__tls_get_addr(&gIndex));
    if (slot == nullptr || *slot != ts ||
        reinterpret_cast<const char*>(slot) != static_cast<const char*>(s.block) + offset) {
        gIndex = {};
        return false;
    }
    tlSlot = slot;
    tlTried = true;
    return true;
#else
    return false;
#endif
}

PyThreadState* slowGet() {
    PyThreadState* ts = getter();
#ifdef REEL_TSTATE_SLOT
    if (!tlTried && gIndex.module != 0 && ts != nullptr) {
        tlTried = true;
        auto** slot = static_cast<PyThreadState**>(__tls_get_addr(&gIndex));
        if (slot != nullptr && *slot == ts) tlSlot = slot;
    }
#endif
    return ts;
}

}  // namespace reel::recorder::tstate

// The data cache sizes behind the kernels' tuning (src/core/tuning.cpp). Built without ISA flags.
//
// x86: the deterministic cache leaf, 0x8000001D on AMD (and Hygon) and leaf 4 elsewhere, gives each
// level's size and how many logical CPUs share it: the L3 there is one core complex's (32 MiB on a
// Zen 4 or Zen 5 CCD), the cache one thread can actually fill. Hypervisors may zero that leaf (the
// AMD EPYC family 26 VM of bench/results does); then glibc's sysconf answers from the legacy
// leaf 0x80000006, whose L3 on such VMs is the whole socket's (508 MiB there), far more than one
// core reaches, so an L3 found that way is capped at kLegacyL3Cap. Elsewhere (aarch64 Linux):
// sysconf. Any level still unknown takes the fallback below.
// Whether the L3 is local (CacheSizes::l3_local) goes by vendor: AMD's L3 belongs to one core
// complex (so does Hygon's, a Zen design, unmeasured); Intel's spreads over the socket's mesh, a
// core reaching most of it through other cores' slices (measured on an Emerald Rapids server
// only; Intel client parts' ring L3 and other x86 vendors take the Intel rule unmeasured).
// Elsewhere (aarch64, the fallback) it is taken as local: unmeasured there.
// WebAssembly cannot ask: fixed assumptions of a current phone or laptop core (32 KiB L1d,
// 1 MiB L2, 8 MiB L3), its L3 taken as shared by all the cores (a client chip's L3 or system cache
// is): backward then runs by channel pieces, measured faster in Node on Intel Emerald Rapids
// (docs/benchmarks.md#backward-by-channel-pieces). The wasm kernels have no streaming stores, so
// only the blocking reads the sizes.

#include "core/cache_sizes.hpp"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__unix__) && !defined(__EMSCRIPTEN__)
#include <unistd.h>
#endif

namespace simdnorm::detail {
namespace {

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;

#if defined(__EMSCRIPTEN__)
CacheSizes detect() {
  return {32 * KiB, 1 * MiB, 8 * MiB, "assumed (WebAssembly)", /*l3_local=*/false};
}
#else
// Zen 4/5 CCD L3; also Intel client parts' whole L3 order of magnitude. Only used as a cap on a
// legacy-leaf L3 and as the fallback.
constexpr std::size_t kLegacyL3Cap = 32 * MiB;
constexpr CacheSizes kFallback{32 * KiB, 1 * MiB, 32 * MiB, "assumed"};

#if defined(__x86_64__)
// Leaf 4 and 0x8000001D share the layout: EAX[4:0] type (0 = no more, 2 = instruction),
// EAX[7:5] level; EBX line size, partitions and ways, ECX sets, each minus one.
bool deterministic_leaf(unsigned leaf, CacheSizes& c) {
  unsigned max_leaf = __get_cpuid_max(leaf & 0x80000000u, nullptr);
  if (max_leaf < leaf) return false;
  bool found = false;
  for (unsigned i = 0; i < 8; ++i) {
    unsigned a, b, cx, d;
    __cpuid_count(leaf, i, a, b, cx, d);
    const unsigned type = a & 31u, level = (a >> 5) & 7u;
    if (type == 0) break;
    if (type == 2) continue;
    const std::size_t bytes = std::size_t((b & 0xfffu) + 1) * (((b >> 12) & 0x3ffu) + 1) *
                              (((b >> 22) & 0x3ffu) + 1) * (std::size_t(cx) + 1);
    if (level == 1) c.l1d = bytes;
    if (level == 2) c.l2 = bytes;
    if (level == 3) c.l3 = bytes;
    found = true;
  }
  return found;
}

// AMD, or Hygon (Zen-based: AMD's cache leaf, an L3 per core complex).
bool is_amd_design() {
  unsigned a, b, c, d;
  __cpuid(0, a, b, c, d);
  return b == 0x68747541u || b == 0x6f677948u;  // "Auth"enticAMD, "Hygo"nGenuine
}
#endif

CacheSizes detect() {
  CacheSizes c{0, 0, 0, "sysconf"};
#if defined(__x86_64__)
  c.l3_local = is_amd_design();
  const unsigned leaf = c.l3_local ? 0x8000001Du : 4u;
  if (deterministic_leaf(leaf, c) && c.l1d && c.l2) {
    c.source = leaf == 4u ? "cpuid 4" : "cpuid 0x8000001D";
    if (!c.l3) c.l3 = c.l2;  // no L3: the L2 is the last level
    return c;
  }
#endif
#if defined(_SC_LEVEL1_DCACHE_SIZE)
  const auto conf = [](int name) {
    const long v = sysconf(name);
    return v > 0 ? std::size_t(v) : std::size_t(0);
  };
  c.l1d = conf(_SC_LEVEL1_DCACHE_SIZE);
  c.l2 = conf(_SC_LEVEL2_CACHE_SIZE);
  c.l3 = conf(_SC_LEVEL3_CACHE_SIZE);
  if (c.l3 > kLegacyL3Cap) c.l3 = kLegacyL3Cap;
#endif
  if (!c.l1d || !c.l2) return kFallback;
  if (!c.l3) c.l3 = c.l2;
  return c;
}
#endif

}  // namespace

const CacheSizes& cache_sizes() {
  static const CacheSizes sizes = detect();
  return sizes;
}

}  // namespace simdnorm::detail

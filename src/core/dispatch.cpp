// Run-time ISA selection: the one place that knows which kernel tables this build contains.
// Built without ISA flags (it must run on every CPU the library claims to support).

#include "core/dispatch.hpp"

#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#if defined(SIMDNORM_HAVE_SSE2)
#include <xsimd/config/xsimd_cpuid.hpp>
#endif

#include "core/validate.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm {
namespace detail {
namespace {

struct Candidate {
  std::string_view name;
  kernels::KernelTable (*make)();
  bool (*runs_here)();
};

bool always() {
  return true;
}

#if defined(SIMDNORM_HAVE_SSE2)
const xsimd::detail::supported_arch& cpu() {
  static const xsimd::detail::supported_arch arch = xsimd::available_architectures();
  return arch;
}

// xsimd 8.1 reads CPUID only; the OS must also save the wider registers on context switches
// (XCR0), or AVX code faults. Bits: 1-2 SSE/AVX state, 5-7 AVX-512 opmask and upper registers.
std::uint64_t os_saved_state() {
  unsigned eax, ebx, ecx, edx;
  __asm__("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
  if (!(ecx & (1u << 27))) return 0;  // no OSXSAVE: the OS manages no extended state
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (std::uint64_t(hi) << 32) | lo;
}
bool os_saves_avx() {
  return (os_saved_state() & 0x6) == 0x6;
}
bool os_saves_avx512() {
  return (os_saved_state() & 0xe6) == 0xe6;
}
#endif

// Best first. Which entries exist is decided by CMake (SIMDNORM_HAVE_*), which ones run by the CPU.
constexpr std::array candidates {
#if defined(SIMDNORM_HAVE_AVX512)
  Candidate{"avx512", kernels::avx512_table,
            [] { return cpu().avx512f && cpu().avx512dq && cpu().fma3_avx2 && os_saves_avx512(); }},
#endif
#if defined(SIMDNORM_HAVE_AVX2)
      Candidate{"avx2", kernels::avx2_table, [] { return cpu().fma3_avx2 && os_saves_avx(); }},
#endif
#if defined(SIMDNORM_HAVE_SSE2)
      // SSE2 is part of x86-64 itself. Not xsimd's flag: 8.1 reads CPUID.1 ECX bit 26 (XSAVE) for
      // it, so CPUs without XSAVE (Nehalem, Westmere; VMs that hide it) would fall back to scalar.
      Candidate{"sse2", kernels::sse2_table, always},
#endif
#if defined(SIMDNORM_HAVE_NEON)
      Candidate{"neon", kernels::neon_table, always},
#endif
#if defined(SIMDNORM_HAVE_WASM_SIMD128)
      Candidate{"wasm-simd128", kernels::wasm_simd128_table, always},
#endif
      Candidate{"scalar", kernels::reference_table, always},
};

struct Registry {
  std::vector<std::string_view> names;
  std::vector<kernels::KernelTable> tables;
  std::atomic<const kernels::KernelTable*> active{nullptr};

  Registry() {
    for (const Candidate& c : candidates) {
      if (!c.runs_here()) continue;
      names.push_back(c.name);
      tables.push_back(c.make());
    }
    active = &tables.front();
    if (const char* forced = std::getenv("SIMDNORM_ISA"); forced && *forced) {
      if (const kernels::KernelTable* t = find(forced)) {
        active = t;
      } else {
        std::fprintf(stderr, "simdnorm: SIMDNORM_ISA=%s is not available here; using %s\n", forced,
                     active.load()->isa);
      }
    }
  }

  const kernels::KernelTable* find(std::string_view isa) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == isa) return &tables[i];
    return nullptr;
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

const kernels::KernelTable& active_kernels() {
  return *registry().active.load();
}

const kernels::KernelTable* kernels_for(std::string_view isa) {
  return registry().find(isa);
}

}  // namespace detail

std::string_view active_isa() {
  return detail::active_kernels().isa;
}

std::span<const std::string_view> available_isas() {
  return detail::registry().names;
}

void set_isa(std::string_view isa) {
  detail::Registry& r = detail::registry();
  const kernels::KernelTable* t = r.find(isa);
  if (!t) {
    std::string have;
    for (std::string_view n : r.names) (have += have.empty() ? "" : ", ") += n;
    detail::fail(ErrorCode::range, "set_isa", "isa", "one of " + have,
                 "\"" + std::string(isa) + "\"");
  }
  r.active = t;
}

}  // namespace simdnorm

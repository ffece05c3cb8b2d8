// CPU checks for dispatch. Built without ISA flags: it runs on every CPU the library supports.

#include "core/cpu_support.hpp"

#include <cstdint>

#if defined(__x86_64__)
#include <xsimd/config/xsimd_cpuid.hpp>
#endif

namespace simdnorm::cpu {
namespace {

#if defined(__x86_64__)
const xsimd::detail::supported_arch& cpuid() {
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
#endif

}  // namespace

// SSE2, NEON and SIMD128 are baselines of their processors (x86-64, aarch64, the wasm SIMD
// build), so their rows use this. Not xsimd's SSE2 flag: 8.1 reads CPUID.1 ECX bit 26 (XSAVE) for
// it, so CPUs without XSAVE (Nehalem, Westmere; VMs that hide it) would fall back to scalar.
bool always() {
  return true;
}

bool x86_avx2_fma() {
#if defined(__x86_64__)
  return cpuid().fma3_avx2 && (os_saved_state() & 0x6) == 0x6;
#else
  return false;
#endif
}

bool x86_avx512_dq_fma() {
#if defined(__x86_64__)
  return cpuid().avx512f && cpuid().avx512dq && cpuid().fma3_avx2 &&
         (os_saved_state() & 0xe6) == 0xe6;
#else
  return false;
#endif
}

}  // namespace simdnorm::cpu

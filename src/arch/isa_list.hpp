#pragma once
// The instruction sets simdnorm is built for: the one list. Everything else takes its ISAs from
// here — CMake (cmake/isa_list.cmake: which ISAs this build compiles, with which flags; it writes
// <build>/isa_list.tsv for the scripts), dispatch (src/core/dispatch.cpp: CPU checks, names),
// every kernel family's tables (src/core/kernel_family.hpp), the tests and the benchmarks.
// HACKING.md, "Adding an instruction set", says how to add a row.
//
// X(id, name, processor, xsimd arch, flags, CPU check, qemu CPU), best first:
//   id          C++ enumerator and file name: src/arch/<id>.cpp, src/nn/arch/<id>.cpp
//   name        the public name: active_isa(), available_isas(), set_isa(), SIMDNORM_ISA
//   processor   what the build targets: "x86_64", "aarch64" or "wasm32" (Emscripten)
//   xsimd arch  the Arch every kernel family is instantiated with in the per-ISA files
//   flags       compile options of the per-ISA files, and of nothing else
//   CPU check   a function in src/core/cpu_support.hpp: can this CPU and OS run it?
//   qemu CPU    a qemu CPU model on which dispatch must pick exactly this ISA
//               (scripts/test-isa-cpus.sh), "" where qemu cannot emulate it
//
// avx512: xsimd 8.1's avx512f kernels use a DQ intrinsic, hence -mavx512dq and the DQ check.
// avx2: fma3<avx2>, so xsimd::fma is one instruction.
// sse2: the x86-64 baseline; checked by nothing, see cpu_support.cpp.
// wasm-simd128: xsimd 8.1 has no wasm arch; Emscripten lowers its SSE4.1 path to SIMD128.
//
// The rows are read by CMake with a regular expression: keep one row per line, this shape.
// clang-format off
#define SIMDNORM_ISAS(X)                                                                                                                   \
  X(avx512,       "avx512",       "x86_64",  xsimd::avx512f,           "-mavx512f -mavx512dq -mavx2 -mfma", x86_avx512_dq_fma, "")        \
  X(avx2,         "avx2",         "x86_64",  xsimd::fma3<xsimd::avx2>, "-mavx2 -mfma",                      x86_avx2_fma,      "Haswell") \
  X(sse2,         "sse2",         "x86_64",  xsimd::sse2,              "",                                  always,            "Nehalem") \
  X(neon,         "neon",         "aarch64", xsimd::neon64,            "",                                  always,            "")        \
  X(wasm_simd128, "wasm-simd128", "wasm32",  xsimd::sse4_1,            "-msimd128 -msse4.1",                always,            "")
// clang-format on

#include <cstddef>

namespace simdnorm::arch {

// The listed ISAs in order, then the scalar reference, which every build has.
enum class Isa : unsigned char {
#define SIMDNORM_ISA_ENUMERATOR(id, ...) id,
  SIMDNORM_ISAS(SIMDNORM_ISA_ENUMERATOR)
#undef SIMDNORM_ISA_ENUMERATOR
      scalar,
};

inline constexpr std::size_t kIsaCount = std::size_t(Isa::scalar) + 1;

inline constexpr const char* kIsaNames[kIsaCount] = {
#define SIMDNORM_ISA_NAME(id, name, ...) name,
    SIMDNORM_ISAS(SIMDNORM_ISA_NAME)
#undef SIMDNORM_ISA_NAME
        "scalar",
};

constexpr const char* name(Isa isa) {
  return kIsaNames[std::size_t(isa)];
}

}  // namespace simdnorm::arch

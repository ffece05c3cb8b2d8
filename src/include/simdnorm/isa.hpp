#pragma once
// Which instruction set the kernels run on. The best one the CPU supports is chosen once, on
// first use; the environment variable SIMDNORM_ISA=<name> forces another of available_isas() (an
// unknown or unsupported value is reported on stderr and ignored).

#include <span>
#include <string_view>

namespace simdnorm {

// The name of the kernels in use, one of available_isas(): "avx512", "avx2", "sse2" (x86-64),
// "neon" (aarch64), "wasm-simd128" (WebAssembly SIMD build) or "scalar" (the reference).
std::string_view active_isa();

// The ISAs this build contains and this CPU can run, best first; "scalar" (the reference) is last.
std::span<const std::string_view> available_isas();

// Switches every later call to `isa` (one of available_isas()); throws std::invalid_argument
// otherwise. For tests and benchmarks; safe to call concurrently with kernels (atomic swap).
void set_isa(std::string_view isa);

}  // namespace simdnorm

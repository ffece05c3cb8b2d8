#pragma once
// What every native benchmark shares: the five shapes of docs/benchmarks.md, the minimum memory
// traffic of each op, the input tensors (fixed seed, 64-byte aligned, made once per shape) and the
// size-matched copy time behind the "pct_of_copy" counter.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "simdnorm/shape.hpp"

namespace simdnorm::bench {

struct BenchShape {
  const char* id;      // "S1"
  const char* layout;  // "nchw" | "nc" | "nhwc": how simdnorm receives it
  std::size_t n, c, h, w;
  std::size_t offset_bytes = 0;  // of every tensor past a 64-byte boundary (offset_ops.cpp)
  Shape shape() const;
  std::size_t bytes() const { return n * c * h * w * sizeof(float); }
};

// S1 NCHW 32×64×32×32 (8 MiB), S2 NC 256×1024 (1 MiB), S3 NCHW 8×32×8×8 (64 KiB),
// S4 NHWC 16×56×56×64 (12.25 MiB), S5 NCHW 64×64×64×64 (64 MiB, past the L3 cache).
std::span<const BenchShape> bench_shapes();

enum class Op { infer, train_fwd, bwd, train_fwd_relu, fwd_bwd };
inline constexpr Op kOps[] = {Op::infer, Op::train_fwd, Op::bwd, Op::train_fwd_relu, Op::fwd_bwd};
const char* op_name(Op op);
// Tensor-sized streams the op must move at least: read x + write y for inference; training
// forward reads x once more for the statistics; backward reads dy and x twice and writes dx.
int op_streams(Op op);

// Fixed-seed inputs of one shape plus output buffers; created on first use and kept.
struct AlignedFloats {
  std::unique_ptr<float, void (*)(void*)> ptr{nullptr, nullptr};
  std::size_t size = 0;
  std::size_t offset = 0;  // floats from the allocation's 64-byte aligned start
  float* data() const { return ptr.get() + offset; }
  std::span<float> span() const { return {data(), size}; }
};

struct Tensors {
  AlignedFloats x, dy, y, dx, copy_dst;                        // N·C·S floats each
  std::vector<float> weight, bias, running_mean, running_var;  // C floats each
  std::vector<float> save_mean, save_invstd, batch_var, dweight, dbias;
};
Tensors& tensors_for(const BenchShape& s);
// Frees the shape's tensors (the sweep's, which would otherwise add up to most of a GiB).
void release_tensors(const BenchShape& s);
AlignedFloats aligned_floats(std::size_t count, std::size_t offset_bytes = 0);

// Mean seconds of one memcpy of the shape's tensor (x → copy_dst) over ~10 ms. Benchmarks take
// it right before and right after their own loop and keep the faster, so the op is compared
// with copy under the same machine load, and a load spike never flatters the op.
double copy_seconds(const BenchShape& s);

// Sets bytes_per_second from the op's minimum traffic, and pct_of_copy: that bandwidth as a
// percentage of memcpy's (2 streams) at the same size, measured in the same benchmark run.
void set_traffic_counters(benchmark::State& state, const BenchShape& s, Op op, double copy_s);
// bytes_per_second only.
void set_bytes_processed(benchmark::State& state, const BenchShape& s, Op op);

std::string bench_name(Op op, const std::string& impl, const std::string& layout,
                       const BenchShape& s);

// Registration, one per implementation; main() calls them shape by shape.
void register_copy_baseline(const BenchShape& s);
void register_simdnorm_ops(const BenchShape& s);
// One simdnorm op on the active ISA, as every simdnorm entry times it (simdnorm_ops.cpp).
void run_simdnorm_op(Op op, Tensors& t, const Shape& shape);
// A whole entry of the sweep or the offsets: `op` on `isa` timed over the state's iterations,
// bytes_per_second set, the shape's tensors freed afterwards.
void time_simdnorm_op(benchmark::State& state, const BenchShape& s, Op op, const std::string& isa);
// The ISAs register_simdnorm_ops benchmarks, best first, comma-separated: the "simdnorm_isas"
// context of the JSON output, which bench/report/native.mjs orders its columns by.
std::string simdnorm_isa_order();
void register_onednn_ops(const BenchShape& s);
// The blocked format oneDNN's own kernels take on this CPU: nChw16c with AVX-512, nChw8c below.
const char* onednn_blocked_format();
// One oneDNN entry: `op` on the shape in memory format `format` (nchw, nhwc, nChw8c, nChw16c).
// Entries of the core suite also report pct_of_copy; the others (the sweep's) free the shape's
// tensors.
void register_onednn_format(const std::string& name, const BenchShape& s, Op op,
                            const std::string& format, bool core_suite);
// sweep_ops.cpp: simdnorm against oneDNN over channels × spatial size × layout.
void register_sweep();
void register_variant_ops(const BenchShape& s);  // variant_ops.cpp
// thread_ops.cpp: the scaling table and the cut-over sweep; oneDNN's scaling entries
// (onednn_ops.cpp) for one op and thread count.
void register_thread_ops();
void register_onednn_scaling(const BenchShape& s, Op op, std::size_t threads);
// offset_ops.cpp: simdnorm on tensors on a cache line and 16 and 32 bytes past one.
void register_offset_ops();

}  // namespace simdnorm::bench

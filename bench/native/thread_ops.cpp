// Threads: the scaling table (simdnorm and oneDNN on 1…cores threads, the same count for both,
// every shape of docs/benchmarks.md) and the cut-over sweep behind the partition's piece size
// (src/core/partition.cpp). Every entry sets its own thread count and leaves simdnorm on 1 and
// oneDNN on 1, so the single-threaded suite around it is unaffected.
//
//   scaling/<op>/<impl>/<shape>/t<threads>        impl: simdnorm (best ISA) |
//                                                  onednn (plain layout) |
//                                                  onednn_blocked (nChw16c or nChw8c)
//   cutover/<op>/<layout>/<KiB>/<split>            split: whole (1 thread, one piece) |
//                                                  halves_t2 (2 pieces on 2 threads) |
//                                                  pieces_t1 (the default pieces, 1 thread)

#include <algorithm>
#include <array>
#include <string>
#include <thread>

#include "bench_tensors.hpp"
#include "core/partition.hpp"
#include "core/tuning_override.hpp"
#include "simdnorm/functional.hpp"
#include "simdnorm/threads.hpp"

namespace simdnorm::bench {
namespace {

void run_simdnorm(Op op, Tensors& t, const Shape& shape) {
  const NormParams p{t.weight, t.bias, 1e-5f, op == Op::train_fwd_relu};
  const std::span<const float> x{t.x.data(), t.x.size}, dy{t.dy.data(), t.dy.size};
  if (op == Op::infer) forward_inference(x, shape, p, t.running_mean, t.running_var, t.y.span());
  if (op == Op::train_fwd || op == Op::train_fwd_relu || op == Op::fwd_bwd)
    forward_training(x, shape, p, t.y.span(), t.save_mean, t.save_invstd, t.batch_var);
  if (op == Op::bwd || op == Op::fwd_bwd)
    backward_training(dy, x, shape, p, t.save_mean, t.save_invstd,
                      {t.dx.span(), t.dweight, t.dbias});
  benchmark::DoNotOptimize(t.y.data());
  benchmark::DoNotOptimize(t.dx.data());
  benchmark::ClobberMemory();
}

constexpr Op kScalingOps[] = {Op::infer, Op::train_fwd, Op::bwd};

// Tensors of the cut-over sweep: NCHW n×32×16×16 (32 KiB per sample) and NHWC of the same size.
struct SweepShape {
  std::string id;
  BenchShape bench;
};

const std::vector<SweepShape>& sweep_shapes() {
  static const std::vector<SweepShape> shapes = [] {
    std::vector<SweepShape> v;
    for (const char* layout : {"nchw", "nhwc"})
      for (std::size_t n : {1, 2, 4, 8, 16, 32, 64})
        v.push_back({std::string("sweep_") + layout + std::to_string(n), {}});
    std::size_t i = 0;
    for (const char* layout : {"nchw", "nhwc"})
      for (std::size_t n : {1, 2, 4, 8, 16, 32, 64})
        v[i].bench = {v[i].id.c_str(), layout, n, 32, 16, 16}, ++i;
    return v;
  }();
  return shapes;
}

}  // namespace

void register_thread_ops() {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  for (const BenchShape& s : bench_shapes())
    for (Op op : kScalingOps)
      for (std::size_t threads = 1; threads <= cores; ++threads) {
        const std::string name = std::string("scaling/") + op_name(op) + "/simdnorm/" + s.id +
                                 "/t" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), [s, op, threads](benchmark::State& state) {
          Tensors& t = tensors_for(s);
          const Shape shape = s.shape();
          set_num_threads(threads);
          run_simdnorm(Op::train_fwd, t, shape);  // statistics for a lone backward
          for (auto _ : state) run_simdnorm(op, t, shape);
          set_num_threads(1);
          set_traffic_counters(state, s, op, copy_seconds(s));
        });
#if defined(SIMDNORM_BENCH_ONEDNN)
        register_onednn_scaling(s, op, threads);
#endif
      }
  for (const SweepShape& sw : sweep_shapes())
    for (Op op : {Op::train_fwd, Op::bwd})
      for (const char* split : {"whole", "halves_t2", "pieces_t1"}) {
        const BenchShape s = sw.bench;
        const std::string name = std::string("cutover/") + op_name(op) + "/" + s.layout + "/" +
                                 std::to_string(s.bytes() >> 10) + "KiB/" + split;
        benchmark::RegisterBenchmark(name.c_str(), [s, op, split](benchmark::State& state) {
          Tensors& t = tensors_for(s);
          const Shape shape = s.shape();
          const std::size_t numel = shape.numel();
          const std::string mode = split;
          // whole: one piece, the single-threaded kernels; halves: exactly two pieces. Backward by
          // channel pieces would cut the tensor its own way: off here.
          detail::set_piece_floats(mode == "whole"       ? numel
                                   : mode == "halves_t2" ? (numel + 1) / 2
                                                         : 0);
          kernels::Tuning contiguous = kernels::tuning();
          contiguous.channel_pass_bytes = std::size_t(-1);
          detail::set_tuning(&contiguous);
          set_num_threads(mode == "halves_t2" ? 2 : 1);
          run_simdnorm(Op::train_fwd, t, shape);
          for (auto _ : state) run_simdnorm(op, t, shape);
          set_num_threads(1);
          detail::set_tuning(nullptr);
          detail::set_piece_floats(0);
          set_traffic_counters(state, s, op, copy_seconds(s));
        });
      }
}

}  // namespace simdnorm::bench

// The sweep: simdnorm (best ISA) against oneDNN over channels × spatial size × layout at batch 8,
// single-threaded, so a slow size shows wherever it is, not only at the five shapes of
// docs/benchmarks.md. Names say the parameters:
//
//   sweep/<op>/<impl>/<layout>/C:<C>/HW:<H>x<W>/N:<N>
//     op: infer | train_fwd | bwd;  layout: how simdnorm receives the tensor (nc when H = W = 1)
//     impl: simdnorm | onednn_<format>, format: the layout itself or oneDNN's blocked format
//           for this CPU (nChw16c with AVX-512, nChw8c below it), data already in that format
//
// bench/report/native.mjs compares simdnorm with the faster oneDNN entry of each cell.

#include <string>
#include <vector>

#include "bench_tensors.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::bench {
namespace {

constexpr Op kSweepOps[] = {Op::infer, Op::train_fwd, Op::bwd};
constexpr std::size_t kSweepN = 8;
constexpr std::size_t kSweepChannels[] = {16, 64, 256, 1024};
constexpr std::size_t kSweepSides[] = {1, 7, 14, 28, 56};
// Cells above this many bytes per tensor are left out (C = 1024 at 56×56 is 98 MiB): S5 covers
// tensors past the L3 cache.
constexpr std::size_t kSweepMaxBytes = std::size_t(32) << 20;

struct Cell {
  std::string id;  // "<layout>/C:<C>/HW:<H>x<W>/N:<N>", also the tensor pool's key
  BenchShape shape;
};

const std::vector<Cell>& cells() {
  static const std::vector<Cell> all = [] {
    std::vector<Cell> v;
    for (std::size_t c : kSweepChannels)
      for (std::size_t side : kSweepSides)
        for (const char* layout : {"nchw", "nhwc"}) {
          if (side == 1 && std::string(layout) == "nhwc") continue;  // the same memory as nc
          if (kSweepN * c * side * side * sizeof(float) > kSweepMaxBytes) continue;
          const char* named = side == 1 ? "nc" : layout;
          const std::string hw = std::to_string(side) + "x" + std::to_string(side);
          v.push_back({std::string(named) + "/C:" + std::to_string(c) + "/HW:" + hw +
                           "/N:" + std::to_string(kSweepN),
                       {}});
          v.back().shape = {nullptr, layout, kSweepN, c, side, side};
        }
    for (Cell& cell : v) cell.shape.id = cell.id.c_str();  // stable: v no longer grows
    return v;
  }();
  return all;
}

}  // namespace

void register_sweep() {
  const std::string best_isa(available_isas().front());
  for (const Cell& cell : cells())
    for (Op op : kSweepOps) {
      const BenchShape s = cell.shape;
      const std::string prefix = std::string("sweep/") + op_name(op) + "/";
      const std::string cell_name = cell.id;
      benchmark::RegisterBenchmark(
          (prefix + "simdnorm/" + cell_name).c_str(),
          [s, op, best_isa](benchmark::State& state) { time_simdnorm_op(state, s, op, best_isa); });
#if defined(SIMDNORM_BENCH_ONEDNN)
      for (const char* format : {s.layout, onednn_blocked_format()}) {
        register_onednn_format(prefix + "onednn_" + format + "/" + cell_name, s, op, format, false);
      }
#endif
    }
}

}  // namespace simdnorm::bench

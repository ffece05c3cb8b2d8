// simdnorm (best ISA) on tensors on a cache line, as framework tensors are, and 16 and 32 bytes
// past one, as malloc and std::vector place them (16-byte alignment): every tensor of the call at
// the same offset. Names say the parameters:
//
//   offset/<op>/<bytes>B/<layout>/<shape>
//
// bench/report/native.mjs reports each offset's time as a multiple of the aligned one.

#include <deque>
#include <string>
#include <vector>

#include "bench_tensors.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::bench {
namespace {

constexpr Op kOffsetOps[] = {Op::infer, Op::train_fwd, Op::bwd};
constexpr std::size_t kOffsetBytes[] = {0, 16, 32};

// The core shapes of both row layouts and channels-first, and the sweep's widest rows.
const std::vector<BenchShape>& offset_shapes() {
  static const std::vector<BenchShape> shapes = [] {
    std::vector<BenchShape> v;
    for (const BenchShape& s : bench_shapes())
      if (std::string(s.id) == "S1" || std::string(s.id) == "S2" || std::string(s.id) == "S4")
        v.push_back(s);
    v.push_back({"C1024", "nhwc", 8, 1024, 28, 28});
    return v;
  }();
  return shapes;
}

}  // namespace

void register_offset_ops() {
  const std::string best_isa(available_isas().front());
  // Tensor pool keys (BenchShape::id) per shape and offset, alive as long as the registrations
  // (a deque: growing it moves no string).
  static std::deque<std::string> ids;
  for (const BenchShape& base : offset_shapes())
    for (const std::size_t offset : kOffsetBytes) {
      BenchShape s = base;
      s.offset_bytes = offset;
      s.id = ids.emplace_back(std::string(base.id) + "@" + std::to_string(offset)).c_str();
      for (Op op : kOffsetOps) {
        const std::string name = std::string("offset/") + op_name(op) + "/" +
                                 std::to_string(offset) + "B/" + base.layout + "/" + base.id;
        benchmark::RegisterBenchmark(name.c_str(), [s, op, best_isa](benchmark::State& state) {
          time_simdnorm_op(state, s, op, best_isa);
        });
      }
    }
}

}  // namespace simdnorm::bench

// simdnorm's ops through the stateless free functions (functional.hpp: no allocation, no copies),
// once per ISA this build compiles (src/arch/isa_list.hpp). One the CPU lacks skips with the
// reason.

#include <algorithm>
#include <string_view>

#include "arch/built_isas.hpp"
#include "bench_tensors.hpp"
#include "simdnorm/functional.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::bench {
namespace {

constexpr float kMomentum = 0.1f;

bool isa_available(std::string_view isa) {
  const auto have = available_isas();
  return std::find(have.begin(), have.end(), isa) != have.end();
}

std::string available_list() {
  std::string out;
  for (std::string_view isa : available_isas()) (out += out.empty() ? "" : ", ") += isa;
  return out;
}

// Training forward as a training step runs it: statistics, normalize, running-stat update.
void train_forward(Tensors& t, const Shape& shape, bool relu) {
  const NormParams p{t.weight, t.bias, 1e-5f, relu};
  forward_training({t.x.data(), t.x.size}, shape, p, t.y.span(), t.save_mean, t.save_invstd,
                   t.batch_var);
  update_running_stats(t.save_mean, t.batch_var, shape.per_channel(), kMomentum, t.running_mean,
                       t.running_var);
}

void backward(Tensors& t, const Shape& shape) {
  const NormParams p{t.weight, t.bias, 1e-5f, false};
  backward_training({t.dy.data(), t.dy.size}, {t.x.data(), t.x.size}, shape, p, t.save_mean,
                    t.save_invstd, {t.dx.span(), t.dweight, t.dbias});
}

}  // namespace

void run_simdnorm_op(Op op, Tensors& t, const Shape& shape) {
  switch (op) {
    case Op::infer:
      forward_inference({t.x.data(), t.x.size}, shape, {t.weight, t.bias, 1e-5f, false},
                        t.running_mean, t.running_var, t.y.span());
      break;
    case Op::train_fwd:
      train_forward(t, shape, false);
      break;
    case Op::train_fwd_relu:
      train_forward(t, shape, true);
      break;
    case Op::bwd:
      backward(t, shape);
      break;
    case Op::fwd_bwd:
      train_forward(t, shape, false);
      backward(t, shape);
      break;
  }
  benchmark::DoNotOptimize(t.y.data());
  benchmark::DoNotOptimize(t.dx.data());
  benchmark::ClobberMemory();
}

void time_simdnorm_op(benchmark::State& state, const BenchShape& s, Op op, const std::string& isa) {
  set_isa(isa);
  Tensors& t = tensors_for(s);
  const Shape shape = s.shape();
  run_simdnorm_op(Op::train_fwd, t, shape);  // valid save_mean/save_invstd for a lone backward
  for (auto _ : state) run_simdnorm_op(op, t, shape);
  set_bytes_processed(state, s, op);
  state.SetLabel(isa);
  release_tensors(s);
}

std::string simdnorm_isa_order() {
  std::string out;
  for (std::size_t i = 0; i < arch::kIsaCount; ++i)
    if (arch::built(arch::Isa(i))) (out += out.empty() ? "" : ",") += arch::kIsaNames[i];
  return out;
}

void register_simdnorm_ops(const BenchShape& s) {
  for (Op op : kOps) {
    for (std::size_t i = 0; i < arch::kIsaCount; ++i) {
      if (!arch::built(arch::Isa(i))) continue;
      const std::string_view isa = arch::kIsaNames[i];
      const std::string name = bench_name(op, std::string(isa), s.layout, s);
      benchmark::RegisterBenchmark(name.c_str(), [s, op, isa](benchmark::State& state) {
        if (!isa_available(isa)) {
          state.SkipWithError(
              (std::string(isa) + " not available (build/CPU has " + available_list() + ")")
                  .c_str());
          return;
        }
        set_isa(isa);
        Tensors& t = tensors_for(s);
        const Shape shape = s.shape();
        train_forward(t, shape, false);  // valid save_mean/save_invstd for a lone backward
        run_simdnorm_op(op, t, shape);
        const double copy_before = copy_seconds(s);
        for (auto _ : state) run_simdnorm_op(op, t, shape);
        set_traffic_counters(state, s, op, std::min(copy_before, copy_seconds(s)));
        state.SetLabel(std::string(active_isa()));
      });
    }
  }
}

}  // namespace simdnorm::bench

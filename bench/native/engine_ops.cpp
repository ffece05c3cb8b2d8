// The layer engine's costs: Conv2d by im2col + matmul (what the engine runs) against a direct
// convolution loop, on the MNIST CNN shapes, whole training steps of the two
// benchmark models (nn/model_zoo.hpp) on every ISA, one optimizer update of the MLP's
// parameters, and the matmul's thread cut-over. Names read op/isa/shape; items/s are samples/s
// (parameters/s for optim_step).
// `npm run bench` (scripts/bench.sh) runs it with PyTorch's side, bench/native/torch_train_step.py.

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/parallel.hpp"
#include "cpu_model.hpp"
#include "nn/conv2d_layer.hpp"
#include "nn/matmul_kernels.hpp"
#include "nn/model_zoo.hpp"
#include "nn/optim/adam.hpp"
#include "nn/optim/rmsprop.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/random.hpp"
#include "nn/sequential.hpp"
#include "simdnorm/isa.hpp"
#include "simdnorm/threads.hpp"

namespace {

using namespace simdnorm::nn;

std::vector<float> normals(std::size_t n, std::uint64_t seed) {
  Rng rng(seed, 1);
  std::vector<float> v(n);
  for (float& f : v) f = float(rng.normal());
  return v;
}

struct ConvCase {
  std::size_t batch, cin, cout, size;  // 3×3 kernel, padding 1, stride 1
};
constexpr ConvCase kConv1{64, 1, 16, 28}, kConv2{64, 16, 32, 14};

// The textbook loop nest, innermost over output columns so the compiler can vectorize it (built
// with this file's baseline flags: SSE2 on x86-64).
void direct_conv(const float* x, const float* w, const float* b, const ConvCase& c, float* y) {
  const std::size_t n = c.size;
  for (std::size_t s = 0; s < c.batch; ++s)
    for (std::size_t o = 0; o < c.cout; ++o) {
      float* yo = y + (s * c.cout + o) * n * n;
      for (std::size_t q = 0; q < n * n; ++q) yo[q] = b[o];
      for (std::size_t ci = 0; ci < c.cin; ++ci) {
        const float* xc = x + (s * c.cin + ci) * n * n;
        for (std::size_t i = 0; i < 3; ++i)
          for (std::size_t j = 0; j < 3; ++j) {
            const float wv = w[((o * c.cin + ci) * 3 + i) * 3 + j];
            for (std::size_t r = 0; r < n; ++r) {
              const long yy = long(r + i) - 1;
              if (yy < 0 || yy >= long(n)) continue;
              const std::size_t c0 = j == 0 ? 1 : 0, c1 = j == 2 ? n - 1 : n;
              const float* xr = xc + std::size_t(yy) * n + j - 1;
              float* yr = yo + r * n;
              for (std::size_t col = c0; col < c1; ++col) yr[col] += wv * xr[col];
            }
          }
      }
    }
}

void BM_ConvDirect(benchmark::State& state, ConvCase c) {
  const auto x = normals(c.batch * c.cin * c.size * c.size, 1);
  const auto w = normals(c.cout * c.cin * 9, 2), b = normals(c.cout, 3);
  std::vector<float> y(c.batch * c.cout * c.size * c.size);
  for (auto _ : state) {
    direct_conv(x.data(), w.data(), b.data(), c, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * c.batch));
  state.counters["GFLOP/s"] =
      benchmark::Counter(double(state.iterations()) * 2.0 *
                             double(c.batch * c.cout * c.cin * 9 * c.size * c.size) / 1e9,
                         benchmark::Counter::kIsRate);
}

void BM_ConvIm2col(benchmark::State& state, ConvCase c, const char* isa) {
  const std::string previous(simdnorm::active_isa());
  simdnorm::set_isa(isa);
  Conv2d conv({c.cin, c.cout, 3, 1, 1, true}, SampleShape::of({c.cin, c.size, c.size}));
  Rng rng(4, 1);
  conv.reset_parameters(rng);
  const auto x = normals(c.batch * c.cin * c.size * c.size, 1);
  std::vector<float> y(c.batch * conv.output_shape().size());
  std::vector<float> scratch(conv.workspace_size(c.batch).scratch);
  for (auto _ : state) {
    conv.forward(x, c.batch, y, Mode::train, {{}, scratch});
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * c.batch));
  state.counters["GFLOP/s"] =
      benchmark::Counter(double(state.iterations()) * 2.0 *
                             double(c.batch * c.cout * c.cin * 9 * c.size * c.size) / 1e9,
                         benchmark::Counter::kIsRate);
  simdnorm::set_isa(previous);
}

// One SGD step (forward, cross-entropy, backward, update) of a model on a fixed batch, on one ISA.
// bench/native/torch_train_step.py is PyTorch's side of it (same models, batch, optimizer, data).
void BM_TrainStep(benchmark::State& state, const std::string& isa, const char* model,
                  std::size_t batch, double flops_per_sample) {
  const std::string previous(simdnorm::active_isa());
  simdnorm::set_isa(isa);
  Sequential net(named_model(model, true), {{1, 28, 28}, batch, 1});
  optim::SGD opt(net.parameters(), {0.01f, 0.9f});
  const auto x = normals(batch * 28 * 28, 5);
  std::vector<std::int32_t> labels(batch);
  for (std::size_t i = 0; i < batch; ++i) labels[i] = std::int32_t(i % 10);
  for (auto _ : state) benchmark::DoNotOptimize(net.train_step(x, labels, opt).loss);
  state.counters["steps/s"] =
      benchmark::Counter(double(state.iterations()), benchmark::Counter::kIsRate);
  // Forward + backward ≈ 3× the forward's multiply-adds, 2 flops each.
  state.counters["GFLOP/s"] =
      benchmark::Counter(double(state.iterations()) * double(batch) * flops_per_sample / 1e9,
                         benchmark::Counter::kIsRate);
  simdnorm::set_isa(previous);
}

// The matmul cut-over (kMinParallelMacs in src/nn/parallel_matmul.cpp): C[m×m] = A·B with k = m
// as one kernel call on one thread ("whole") against its two halves of rows, cut on the kernels'
// four-row grid, on two threads ("halves_t2"), as the pool runs a product it cuts. Wall time:
// the halves run on two cores.
void BM_MatmulCutover(benchmark::State& state, std::size_t m, bool halves) {
  const auto a = normals(m * m, 6), b = normals(m * m, 7);
  std::vector<float> c(m * m);
  const kernels::MatmulKernels& k = kernels::active_matmul_kernels();
  const std::size_t rows = (m / 2 + 3) / 4 * 4;
  const auto block = [&](std::size_t i0, std::size_t i1) {
    k.nn(i1 - i0, m, m, a.data() + i0 * m, m, b.data(), m, c.data() + i0 * m, m, false);
  };
  simdnorm::set_num_threads(halves ? 2 : 1);
  for (auto _ : state) {
    if (halves) {
      simdnorm::detail::parallel_for(2,
                                     [&](std::size_t t) { t ? block(rows, m) : block(0, rows); });
    } else {
      block(0, m);
    }
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  simdnorm::set_num_threads(1);
  state.counters["GFLOP/s"] = benchmark::Counter(
      double(state.iterations()) * 2.0 * double(m * m * m) / 1e9, benchmark::Counter::kIsRate);
}

// One optimizer.step() over the BN MLP's parameters with fixed gradients (built with the
// baseline flags, like the engine: the update loops are the compiler's, not a kernel table's).
// Bytes: every state tensor read and written, the gradient read.
template <class Optimizer, class Options>
void BM_OptimizerStep(benchmark::State& state, const Options& options, std::size_t state_tensors) {
  Sequential net(named_model("mlp", true), {{1, 28, 28}, 60, 1});
  std::size_t count = 0;
  std::uint64_t seed = 6;
  for (const Parameter& p : net.parameters()) {
    const auto g = normals(p.grad.size(), seed++);
    std::copy(g.begin(), g.end(), p.grad.begin());
    count += p.value.size();
  }
  Optimizer opt(net.parameters(), options);
  for (auto _ : state) {
    opt.step();
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(std::int64_t(state.iterations() * count));
  state.SetBytesProcessed(
      std::int64_t(state.iterations() * count * sizeof(float) * (1 + 2 * (1 + state_tensors))));
}

constexpr double kMnistCnnFlops = 3 * 2 * (16 * 9 * 28 * 28 + 32 * 16 * 9 * 14 * 14 + 1568 * 10);

constexpr double kMlpFlops = 3 * 2 * (784 * 100 + 100 * 100 * 2 + 100 * 10);

}  // namespace

int main(int argc, char** argv) {
  for (const auto& [shape, c] :
       {std::pair{"64x1x28x28_k3_16", kConv1}, {"64x16x14x14_k3_32", kConv2}}) {
    const std::string suffix = std::string("/") + shape;
    benchmark::RegisterBenchmark(("conv2d_fwd/direct" + suffix).c_str(), BM_ConvDirect, c);
    benchmark::RegisterBenchmark(("conv2d_fwd/im2col_scalar" + suffix).c_str(), BM_ConvIm2col, c,
                                 "scalar");
    const std::string_view best = simdnorm::available_isas().front();
    benchmark::RegisterBenchmark(("conv2d_fwd/im2col_" + std::string(best) + suffix).c_str(),
                                 BM_ConvIm2col, c, best.data());
  }
  // Every ISA of the build this CPU runs, best first, then the scalar (double-accumulating)
  // reference: train_step/<isa>/<model>.
  for (const std::string_view isa : simdnorm::available_isas()) {
    const std::string name(isa);
    benchmark::RegisterBenchmark(("train_step/" + name + "/mnist_cnn_batch64").c_str(),
                                 BM_TrainStep, name, "cnn", 64, kMnistCnnFlops)
        ->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark(("train_step/" + name + "/bn_mlp_784_100x3_10_batch60").c_str(),
                                 BM_TrainStep, name, "mlp", 60, kMlpFlops)
        ->Unit(benchmark::kMicrosecond);
  }
  // Square products around the cut-over, 2¹² to 2²¹ multiply-adds: cutover/matmul/<m>/<split>.
  for (const std::size_t m : {16, 24, 32, 40, 48, 64, 96, 128})
    for (const bool halves : {false, true})
      benchmark::RegisterBenchmark(
          ("cutover/matmul/" + std::to_string(m) + (halves ? "/halves_t2" : "/whole")).c_str(),
          BM_MatmulCutover, m, halves)
          ->UseRealTime();
  // torch's default options plus those that add work to the update; the last argument counts
  // the optimizer's state tensors.
  const std::string mlp = "/bn_mlp_784_100x3_10";
  benchmark::RegisterBenchmark(("optim_step/sgd_momentum_wd" + mlp).c_str(),
                               BM_OptimizerStep<optim::SGD, optim::SGDOptions>,
                               optim::SGDOptions{0.01f, 0.9f, 0, 1e-4f}, 1);
  benchmark::RegisterBenchmark(("optim_step/adam_wd" + mlp).c_str(),
                               BM_OptimizerStep<optim::Adam, optim::AdamOptions>,
                               optim::AdamOptions{1e-3f, {0.9f, 0.999f}, 1e-8f, 1e-4f}, 2);
  benchmark::RegisterBenchmark(("optim_step/rmsprop_wd" + mlp).c_str(),
                               BM_OptimizerStep<optim::RMSprop, optim::RMSpropOptions>,
                               optim::RMSpropOptions{1e-2f, 0.99f, 1e-8f, 1e-4f}, 1);
  benchmark::RegisterBenchmark(("optim_step/rmsprop_centered_momentum_wd" + mlp).c_str(),
                               BM_OptimizerStep<optim::RMSprop, optim::RMSpropOptions>,
                               optim::RMSpropOptions{1e-2f, 0.99f, 1e-8f, 1e-4f, 0.9f, true}, 3);
  std::string isas;
  for (const std::string_view isa : simdnorm::available_isas()) {
    if (!isas.empty()) isas += ',';
    isas += isa;
  }
  benchmark::AddCustomContext("simdnorm_isas", isas);
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext("cpu_model", simdnorm::bench::cpu_model());
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

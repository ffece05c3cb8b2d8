// The BN variants (docs/variants.md) against the plain ops they replace, per ISA:
//   add_relu_fused     forward_add_relu_training + running stats: y = relu(BN(x) + z), 4 streams
//   add_relu_separate  forward_training, then a separate y = max(y + z, 0) pass over y and z
//                      (what a framework without the fused op runs: 3 + 3 streams)
//   add_relu_bwd       backward_add_relu_training: dz = dy·[y > 0], then BN backward on dz
//   bn_fwd_bwd, ghost_fwd_bwd, renorm_fwd_bwd: the BatchNorm module's training forward +
//                      backward, plain, with ghost batches of N/4, and with batch renorm
//   bn_fwd, bn_infer:  the module's forward alone, training and eval: its copy of x for
//                      backward comes from the normalize pass (4 and 3 streams)
// bytes_per_second counts the minimum traffic of the fused op (4 streams forward, 8 backward,
// 8 for a module step, 4 and 3 for the module's forwards) for every entry, so the bandwidths of
// one group compare as speeds.
// oneDNN (when built with it): BN then its binary add with a ReLU post-op (add_relu_separate),
// and a probe for BN with a binary add post-op, which 2.6 does not implement (it skips saying so).

#include <algorithm>
#include <string>
#include <string_view>

#include "bench_tensors.hpp"
#include "simdnorm/batch_norm.hpp"
#include "simdnorm/functional.hpp"
#include "simdnorm/isa.hpp"

#if defined(SIMDNORM_BENCH_ONEDNN)
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace simdnorm::bench {
namespace {

#if defined(__x86_64__) || defined(_M_X64)
constexpr std::string_view kIsas[] = {"avx512", "avx2", "sse2", "scalar"};
#elif defined(__aarch64__)
constexpr std::string_view kIsas[] = {"neon", "scalar"};
#else
constexpr std::string_view kIsas[] = {"scalar"};
#endif

bool isa_available(std::string_view isa) {
  const auto have = available_isas();
  return std::find(have.begin(), have.end(), isa) != have.end();
}

void set_bytes(benchmark::State& state, const BenchShape& s, int streams) {
  state.SetBytesProcessed(std::int64_t(streams) * std::int64_t(s.bytes()) * state.iterations());
}

std::string name(std::string_view op, std::string_view impl, const BenchShape& s) {
  return std::string(op) + "/" + std::string(impl) + "/" + s.layout + "/" + s.id;
}

// The residual: dy's values (any fixed data serves).
std::span<const float> residual(Tensors& t) {
  return {t.dy.data(), t.dy.size};
}

void add_relu_fused(Tensors& t, const Shape& shape) {
  forward_add_relu_training({t.x.data(), t.x.size}, residual(t), shape, {t.weight, t.bias},
                            t.y.span(), t.save_mean, t.save_invstd, t.batch_var);
  update_running_stats(t.save_mean, t.batch_var, shape.per_channel(), 0.1f, t.running_mean,
                       t.running_var);
}

void add_relu_separate(Tensors& t, const Shape& shape) {
  forward_training({t.x.data(), t.x.size}, shape, {t.weight, t.bias}, t.y.span(), t.save_mean,
                   t.save_invstd, t.batch_var);
  update_running_stats(t.save_mean, t.batch_var, shape.per_channel(), 0.1f, t.running_mean,
                       t.running_var);
  float* y = t.y.data();
  const float* z = t.dy.data();
  for (std::size_t i = 0; i < t.y.size; ++i) y[i] = std::max(y[i] + z[i], 0.f);
}

void add_relu_bwd(Tensors& t, const Shape& shape) {
  backward_add_relu_training({t.dy.data(), t.dy.size}, {t.y.data(), t.y.size},
                             {t.x.data(), t.x.size}, shape, {t.weight, t.bias}, t.save_mean,
                             t.save_invstd, {t.dx.span(), t.dweight, t.dbias}, t.copy_dst.span());
}

template <class F>
void register_isa_bench(const BenchShape& s, std::string_view op, int streams, F body) {
  for (std::string_view isa : kIsas) {
    benchmark::RegisterBenchmark(
        name(op, isa, s).c_str(), [s, isa, streams, body](benchmark::State& state) {
          if (!isa_available(isa)) {
            state.SkipWithError((std::string(isa) + " not available").c_str());
            return;
          }
          set_isa(isa);
          Tensors& t = tensors_for(s);
          const Shape shape = s.shape();
          add_relu_fused(t, shape);  // valid statistics and y
          body(t, shape);
          for (auto _ : state) {
            body(t, shape);
            benchmark::ClobberMemory();
          }
          set_bytes(state, s, streams);
          state.SetLabel(std::string(active_isa()));
        });
  }
}

// What a module benchmark runs: a training step, or a forward alone in either mode.
enum class ModuleCall { step, forward, inference };

void register_module_bench(const BenchShape& s, std::string_view op, Options options,
                           ModuleCall call = ModuleCall::step) {
  const int streams = call == ModuleCall::step ? 8 : call == ModuleCall::forward ? 4 : 3;
  register_isa_bench(s, op, streams, [options, call](Tensors& t, const Shape& shape) {
    // One module per shape and configuration, kept across iterations like a layer.
    static thread_local std::vector<std::pair<std::string, BatchNorm>> modules;
    const std::string key = to_string(shape) + std::to_string(options.virtual_batch_size) +
                            (options.renorm ? "r" : "") + std::to_string(int(call));
    auto it = std::find_if(modules.begin(), modules.end(), [&](auto& m) { return m.first == key; });
    if (it == modules.end()) it = modules.insert(modules.end(), {key, BatchNorm(shape.c, options)});
    it->second.train(call != ModuleCall::inference);
    it->second.forward({t.x.data(), t.x.size}, shape, t.y.span());
    if (call == ModuleCall::step) it->second.backward({t.dy.data(), t.dy.size}, t.dx.span());
  });
}

#if defined(SIMDNORM_BENCH_ONEDNN)
using dnnl::memory;

void register_onednn_add_relu(const BenchShape& s) {
  const dnnl::memory::format_tag format =
      std::string(s.layout) == "nhwc" ? memory::format_tag::nhwc : memory::format_tag::nchw;
  const memory::dims dims{memory::dim(s.n), memory::dim(s.c), memory::dim(s.h), memory::dim(s.w)};
  benchmark::RegisterBenchmark(name("add_relu_separate", "onednn", s).c_str(), [=](benchmark::State&
                                                                                       state) {
    omp_set_num_threads(1);
    dnnl::engine eng(dnnl::engine::kind::cpu, 0);
    dnnl::stream stream(eng);
    Tensors& t = tensors_for(s);
    const memory::desc md(dims, memory::data_type::f32, format);
    const memory::desc cd({memory::dim(s.c)}, memory::data_type::f32, memory::format_tag::x);
    const auto flags = dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
    const dnnl::batch_normalization_forward::primitive_desc bn_pd(
        {dnnl::prop_kind::forward_training, md, 1e-5f, flags}, eng);
    dnnl::post_ops relu;
    relu.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(relu);
    const dnnl::binary::primitive_desc add_pd({dnnl::algorithm::binary_add, md, md, md}, attr, eng);
    memory src(md, eng, t.x.data()), dst(md, eng, t.y.data()), z(md, eng, t.dy.data()),
        mean(cd, eng), var(cd, eng), scale(cd, eng, t.weight.data()), shift(cd, eng, t.bias.data());
    dnnl::batch_normalization_forward bn(bn_pd);
    dnnl::binary add(add_pd);
    const auto run = [&] {
      bn.execute(stream, {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_DST, dst},
                          {DNNL_ARG_MEAN, mean},
                          {DNNL_ARG_VARIANCE, var},
                          {DNNL_ARG_SCALE, scale},
                          {DNNL_ARG_SHIFT, shift}});
      add.execute(stream, {{DNNL_ARG_SRC_0, dst}, {DNNL_ARG_SRC_1, z}, {DNNL_ARG_DST, dst}});
      stream.wait();
    };
    run();
    for (auto _ : state) run();
    set_bytes(state, s, 4);
    state.SetLabel(std::string(bn_pd.impl_info_str()) + "+" + add_pd.impl_info_str());
  });
  benchmark::RegisterBenchmark(
      name("add_relu_fused", "onednn", s).c_str(), [=](benchmark::State& state) {
        dnnl::engine eng(dnnl::engine::kind::cpu, 0);
        const memory::desc md(dims, memory::data_type::f32, format);
        dnnl::post_ops add;
        add.append_binary(dnnl::algorithm::binary_add, md);
        dnnl::primitive_attr attr;
        attr.set_post_ops(add);
        try {
          const auto flags =
              dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift;
          dnnl::batch_normalization_forward::primitive_desc pd(
              {dnnl::prop_kind::forward_training, md, 1e-5f, flags}, attr, eng);
          state.SkipWithError("oneDNN accepted BN + binary post-op: add a timed body here");
        } catch (const dnnl::error& e) {
          state.SkipWithError((std::string("oneDNN ") + std::to_string(dnnl::version()->major) +
                               "." + std::to_string(dnnl::version()->minor) +
                               ": BN with a binary add post-op not available (" + e.what() + ")")
                                  .c_str());
        }
        for (auto _ : state) {
        }
      });
}
#endif

}  // namespace

void register_variant_ops(const BenchShape& s) {
  register_isa_bench(s, "add_relu_fused", 4, add_relu_fused);
  register_isa_bench(s, "add_relu_separate", 4, add_relu_separate);
  register_isa_bench(s, "add_relu_bwd", 8, add_relu_bwd);
  Options plain, ghost, renorm;
  ghost.virtual_batch_size = s.n / 4;
  renorm.renorm = Renorm{};
  register_module_bench(s, "bn_fwd_bwd", plain);
  register_module_bench(s, "ghost_fwd_bwd", ghost);
  register_module_bench(s, "renorm_fwd_bwd", renorm);
  register_module_bench(s, "bn_fwd", plain, ModuleCall::forward);
  register_module_bench(s, "bn_infer", plain, ModuleCall::inference);
#if defined(SIMDNORM_BENCH_ONEDNN)
  register_onednn_add_relu(s);
#endif
}

}  // namespace simdnorm::bench

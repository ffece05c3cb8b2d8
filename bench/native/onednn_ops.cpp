// oneDNN (Debian libdnnl-dev) as a peer, single-threaded, on the same shapes and ops. Each shape
// runs in three memory formats of the same logical tensor: nchw, nhwc and oneDNN's blocked format
// for the running CPU (onednn_blocked_format()); the report calls the one simdnorm receives
// "plain" and the fastest "best". Data is already in the format (no reorders timed), so "best" is
// oneDNN at its most favourable.
//
// Ops map as: infer = forward_inference with use_global_stats; train_fwd = forward_training
// (oneDNN has no running-stat update; that is C floats of work); train_fwd_relu adds
// fuse_norm_relu (with its workspace); bwd = backward with scale/shift gradients.

#include <omp.h>

#include <algorithm>
#include <cassert>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>

#include "bench_tensors.hpp"

namespace simdnorm::bench {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dnnl::normalization_flags;
using dnnl::prop_kind;

constexpr float kEps = 1e-5f;

dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// Everything one (shape, format, relu) configuration needs: primitives and memory in that
// format. Built outside the timed loop.
struct OneDnnCase {
  dnnl::stream stream{cpu_engine()};
  memory src, dst, diff_dst, diff_src, mean, var, scale, shift, diff_scale, diff_shift, ws;
  dnnl::batch_normalization_forward train, infer;
  dnnl::batch_normalization_backward bwd;
  std::unordered_map<int, memory> train_args, infer_args, bwd_args;
  std::string train_impl, infer_impl, bwd_impl;  // which oneDNN kernel each format got

  OneDnnCase(const BenchShape& s, tag format, bool relu) {
    dnnl::engine& eng = cpu_engine();
    const memory::dims dims{memory::dim(s.n), memory::dim(s.c), memory::dim(s.h), memory::dim(s.w)};
    const memory::desc md(dims, memory::data_type::f32, format);
    const memory::desc cd({memory::dim(s.c)}, memory::data_type::f32, tag::x);
    const auto affine = normalization_flags::use_scale | normalization_flags::use_shift;
    const auto train_flags = relu ? affine | normalization_flags::fuse_norm_relu : affine;

    const dnnl::batch_normalization_forward::primitive_desc train_pd(
        {prop_kind::forward_training, md, kEps, train_flags}, eng);
    const dnnl::batch_normalization_forward::primitive_desc infer_pd(
        {prop_kind::forward_inference, md, kEps, affine | normalization_flags::use_global_stats},
        eng);
    const dnnl::batch_normalization_backward::primitive_desc bwd_pd(
        {prop_kind::backward, md, md, kEps, train_flags}, eng, train_pd);
    train = dnnl::batch_normalization_forward(train_pd);
    infer = dnnl::batch_normalization_forward(infer_pd);
    bwd = dnnl::batch_normalization_backward(bwd_pd);
    train_impl = train_pd.impl_info_str();
    infer_impl = infer_pd.impl_info_str();
    bwd_impl = bwd_pd.impl_info_str();

    // Same values as simdnorm's inputs, reordered into this format once.
    Tensors& t = tensors_for(s);
    const memory::desc plain(dims, memory::data_type::f32,
                             std::string(s.layout) == "nhwc" ? tag::nhwc : tag::nchw);
    src = memory(md, eng);
    diff_dst = memory(md, eng);
    memory x_plain(plain, eng, t.x.data()), dy_plain(plain, eng, t.dy.data());
    dnnl::reorder(x_plain, src).execute(stream, x_plain, src);
    dnnl::reorder(dy_plain, diff_dst).execute(stream, dy_plain, diff_dst);
    dst = memory(md, eng);
    diff_src = memory(md, eng);
    mean = memory(cd, eng);
    var = memory(cd, eng);
    scale = memory(cd, eng, t.weight.data());
    shift = memory(cd, eng, t.bias.data());
    diff_scale = memory(cd, eng);
    diff_shift = memory(cd, eng);
    ws = memory(train_pd.workspace_desc(), eng);

    train_args = {{DNNL_ARG_SRC, src},      {DNNL_ARG_DST, dst},     {DNNL_ARG_MEAN, mean},
                  {DNNL_ARG_VARIANCE, var}, {DNNL_ARG_SCALE, scale}, {DNNL_ARG_SHIFT, shift}};
    if (relu) train_args[DNNL_ARG_WORKSPACE] = ws;
    infer_args = train_args;
    infer_args.erase(DNNL_ARG_WORKSPACE);
    bwd_args = {{DNNL_ARG_SRC, src},
                {DNNL_ARG_DIFF_DST, diff_dst},
                {DNNL_ARG_MEAN, mean},
                {DNNL_ARG_VARIANCE, var},
                {DNNL_ARG_SCALE, scale},
                {DNNL_ARG_SHIFT, shift},
                {DNNL_ARG_DIFF_SRC, diff_src},
                {DNNL_ARG_DIFF_SCALE, diff_scale},
                {DNNL_ARG_DIFF_SHIFT, diff_shift}};
    if (relu) bwd_args[DNNL_ARG_WORKSPACE] = ws;
    stream.wait();
  }

  void run(Op op) {
    switch (op) {
      case Op::infer:
        infer.execute(stream, infer_args);
        break;
      case Op::train_fwd:
      case Op::train_fwd_relu:
        train.execute(stream, train_args);
        break;
      case Op::bwd:
        bwd.execute(stream, bwd_args);
        break;
      case Op::fwd_bwd:
        train.execute(stream, train_args);
        bwd.execute(stream, bwd_args);
        break;
    }
    stream.wait();
  }

  std::string impl(Op op) const {
    switch (op) {
      case Op::infer:
        return infer_impl;
      case Op::train_fwd:
      case Op::train_fwd_relu:
        return train_impl;
      case Op::bwd:
        return bwd_impl;
      case Op::fwd_bwd:
        return train_impl + "+" + bwd_impl;
    }
    return {};
  }
};

struct Format {
  const char* name;
  tag value;
};
constexpr Format kFormats[] = {
    {"nchw", tag::nchw}, {"nhwc", tag::nhwc}, {"nChw8c", tag::nChw8c}, {"nChw16c", tag::nChw16c}};

const Format* find_format(const std::string& name) {
  const auto f = std::find_if(std::begin(kFormats), std::end(kFormats),
                              [&](const Format& k) { return name == k.name; });
  assert(f != std::end(kFormats));
  return f;
}

// One scaling/ entry: oneDNN in `format` on `threads` OpenMP threads, back to 1 afterwards.
void register_scaling_entry(const std::string& name, const BenchShape& s, Op op,
                            const std::string& format, std::size_t threads) {
  const Format* const f = find_format(format);
  benchmark::RegisterBenchmark(name.c_str(), [s, op, f, threads](benchmark::State& state) {
    omp_set_num_threads(int(threads));
    try {
      OneDnnCase k(s, f->value, false);
      k.run(Op::train_fwd);
      k.run(op);
      for (auto _ : state) k.run(op);
      set_traffic_counters(state, s, op, copy_seconds(s));
      state.SetLabel(k.impl(op));
    } catch (const dnnl::error& e) {
      state.SkipWithError((std::string("oneDNN: ") + e.what()).c_str());
    }
    omp_set_num_threads(1);
  });
}

}  // namespace

// oneDNN's JIT batch norm takes channel blocks of 16 floats with AVX-512 (core) and of 8 below it.
// A block wider than the CPU's vector falls to its reference kernel, which no user of oneDNN would
// choose: nChw16c on an AMD Zen 3 (AVX2) took 62 ms for S1's inference, nChw8c 0.42–0.48 ms.
const char* onednn_blocked_format() {
  const auto isa = static_cast<unsigned>(dnnl::get_effective_cpu_isa());
  const auto avx512 = static_cast<unsigned>(dnnl::cpu_isa::avx512_core);
  return (isa & avx512) == avx512 ? "nChw16c" : "nChw8c";
}

void register_onednn_format(const std::string& name, const BenchShape& s, Op op,
                            const std::string& format, bool core_suite) {
  const Format* const f = find_format(format);
  benchmark::RegisterBenchmark(name.c_str(), [s, op, f, core_suite](benchmark::State& state) {
    try {
      OneDnnCase k(s, f->value, op == Op::train_fwd_relu);
      if (!core_suite) release_tensors(s);  // the case has its own copy
      k.run(Op::train_fwd);                 // mean/variance for a lone backward
      k.run(op);
      const double copy_before = core_suite ? copy_seconds(s) : 0.0;
      for (auto _ : state) k.run(op);
      if (core_suite) {
        set_traffic_counters(state, s, op, std::min(copy_before, copy_seconds(s)));
      } else {
        set_bytes_processed(state, s, op);
      }
      state.SetLabel(k.impl(op));
    } catch (const dnnl::error& e) {
      state.SkipWithError((std::string("oneDNN: ") + e.what()).c_str());
    }
  });
}

void register_onednn_ops(const BenchShape& s) {
  omp_set_num_threads(1);  // single-threaded like every other entry
  for (Op op : kOps)
    for (const char* format : {"nchw", "nhwc", onednn_blocked_format()})
      register_onednn_format(bench_name(op, "onednn", format, s), s, op, format, true);
}

// The same thread count as simdnorm's entry (OpenMP), in the layout simdnorm receives ("onednn")
// and in this CPU's blocked format ("onednn_blocked"), the one its own kernels are written for.
void register_onednn_scaling(const BenchShape& s, Op op, std::size_t threads) {
  const std::string suffix = "/" + std::string(s.id) + "/t" + std::to_string(threads);
  const std::string prefix = std::string("scaling/") + op_name(op);
  const char* plain = std::string(s.layout) == "nhwc" ? "nhwc" : "nchw";
  register_scaling_entry(prefix + "/onednn" + suffix, s, op, plain, threads);
  register_scaling_entry(prefix + "/onednn_blocked" + suffix, s, op, onednn_blocked_format(),
                         threads);
}

}  // namespace simdnorm::bench

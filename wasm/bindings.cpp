// Embind bindings of the core for wasm/index.js, the package's public JavaScript API.
//
// Tensors cross the boundary as byte addresses in the wasm heap (the wrapper copies
// Float32Arrays in and out, or hands over a Tensor that already lives there), shapes as
// (n, c, s, channelsLast) and absent optional arrays as address 0. The wrapper validates every
// argument first: without ASSERTIONS Embind silently turns a bad number into 0. Every binding goes
// through guard<> (wasm/guard.hpp): whatever C++ still throws reaches JS as a typed error.

#include <emscripten/bind.h>
#include <emscripten/val.h>
#include <malloc.h>

#include <cmath>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "guard.hpp"
#include "simdnorm/simdnorm.hpp"

namespace {

using emscripten::val;
using simdnorm::BatchNorm;
using simdnorm::Layout;
using simdnorm::Shape;
using simdnorm::StepBatchNorm;
using simdnorm::wasm::guard;
using Address = std::uintptr_t;

std::span<float> floats(Address at, std::size_t count) {
  return at ? std::span<float>(reinterpret_cast<float*>(at), count) : std::span<float>();
}

Shape shape_of(std::size_t n, std::size_t c, std::size_t s, bool channels_last) {
  return {n, c, s, channels_last ? Layout::ChannelsLast : Layout::ChannelsFirst};
}

// momentum NaN stands for JavaScript's null: the cumulative moving average. rmax NaN: no renorm.
simdnorm::Options options_of(float eps, float momentum, bool affine, bool track_running_stats,
                             bool relu, std::size_t virtual_batch_size, float rmax, float dmax,
                             float renorm_momentum) {
  simdnorm::Options options;
  options.eps = eps;
  options.momentum = std::isnan(momentum) ? std::nullopt : std::optional<float>(momentum);
  options.affine = affine;
  options.track_running_stats = track_running_stats;
  options.relu = relu;
  options.virtual_batch_size = virtual_batch_size;
  if (!std::isnan(rmax)) options.renorm = simdnorm::Renorm{rmax, dmax, renorm_momentum};
  return options;
}

BatchNorm* make_batch_norm(std::size_t num_features, float eps, float momentum, bool affine,
                           bool track_running_stats, bool relu, std::size_t virtual_batch_size,
                           float rmax, float dmax, float renorm_momentum) {
  return new BatchNorm(num_features, options_of(eps, momentum, affine, track_running_stats, relu,
                                                virtual_batch_size, rmax, dmax, renorm_momentum));
}

void bn_forward(BatchNorm& bn, Address x, std::size_t n, std::size_t c, std::size_t s,
                bool channels_last, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  bn.forward(floats(x, shape.numel()), shape, floats(y, shape.numel()));
}

// The wrapper's path for a Float32Array x (its own heap copy, kept until the next forward) and
// for a Tensor x, borrowed until something writes or frees it (releaseInput first).
void bn_forward_borrowed(BatchNorm& bn, Address x, std::size_t n, std::size_t c, std::size_t s,
                         bool channels_last, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  bn.forward_borrowed(floats(x, shape.numel()), shape, floats(y, shape.numel()));
}

void bn_forward_no_grad(BatchNorm& bn, Address x, std::size_t n, std::size_t c, std::size_t s,
                        bool channels_last, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  bn.forward_no_grad(floats(x, shape.numel()), shape, floats(y, shape.numel()));
}

void bn_backward(BatchNorm& bn, Address dy, Address dx, std::size_t numel) {
  bn.backward(floats(dy, numel), floats(dx, numel));
}

void bn_forward_add_relu(BatchNorm& bn, Address x, Address z, std::size_t n, std::size_t c,
                         std::size_t s, bool channels_last, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  bn.forward_add_relu(floats(x, shape.numel()), floats(z, shape.numel()), shape,
                      floats(y, shape.numel()));
}

void bn_backward_add_relu(BatchNorm& bn, Address dy, Address dx, Address dz, std::size_t numel) {
  bn.backward_add_relu(floats(dy, numel), floats(dx, numel), floats(dz, numel));
}

void bn_set_renorm_limits(BatchNorm& bn, float rmax, float dmax) {
  bn.set_renorm_limits(rmax, dmax);
}

val renorm_limits(double step, double warmup, double rmax_steps, double dmax_steps, float rmax,
                  float dmax) {
  const simdnorm::RenormLimits l = simdnorm::renorm_limits(
      std::int64_t(step),
      {std::int64_t(warmup), std::int64_t(rmax_steps), std::int64_t(dmax_steps), rmax, dmax});
  val out = val::object();
  out.set("rmax", l.rmax);
  out.set("dmax", l.dmax);
  return out;
}

void bn_set_training(BatchNorm& bn, bool on) {
  bn.train(on);
}
bool bn_training(const BatchNorm& bn) {
  return bn.training();
}

// Addresses of the module's per-channel arrays (0 when the array is absent), so the wrapper can
// copy them out or in without one binding per direction.
Address address(std::span<const float> v) {
  return v.empty() ? 0 : reinterpret_cast<Address>(v.data());
}
Address bn_weight(const BatchNorm& bn) {
  return address(bn.weight());
}
Address bn_bias(const BatchNorm& bn) {
  return address(bn.bias());
}
Address bn_running_mean(const BatchNorm& bn) {
  return address(bn.running_mean());
}
Address bn_running_var(const BatchNorm& bn) {
  return address(bn.running_var());
}
Address bn_weight_grad(const BatchNorm& bn) {
  return address(bn.weight_grad());
}
Address bn_bias_grad(const BatchNorm& bn) {
  return address(bn.bias_grad());
}

Address bn_renorm_mean(const BatchNorm& bn) {
  return address(bn.renorm_mean());
}
Address bn_renorm_std(const BatchNorm& bn) {
  return address(bn.renorm_std());
}

// StepBatchNorm: the same translation; per-step arrays are T·C floats, counts one per step.
StepBatchNorm* make_step_batch_norm(std::size_t num_features, std::size_t time_steps, float eps,
                                    float momentum, bool affine, bool track_running_stats,
                                    bool relu) {
  return new StepBatchNorm(
      num_features, time_steps,
      options_of(eps, momentum, affine, track_running_stats, relu, 0, NAN, 0.f, 0.f));
}
void step_forward(StepBatchNorm& bn, Address x, std::size_t n, std::size_t c, std::size_t s,
                  bool channels_last, std::size_t step, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  bn.forward(floats(x, shape.numel()), shape, step, floats(y, shape.numel()));
}
void step_backward(StepBatchNorm& bn, Address dy, std::size_t step, Address dx, std::size_t numel) {
  bn.backward(floats(dy, numel), step, floats(dx, numel));
}
void step_set_training(StepBatchNorm& bn, bool on) {
  bn.train(on);
}
bool step_training(const StepBatchNorm& bn) {
  return bn.training();
}
Address step_weight(const StepBatchNorm& bn) {
  return address(bn.weight());
}
Address step_bias(const StepBatchNorm& bn) {
  return address(bn.bias());
}
Address step_running_mean(const StepBatchNorm& bn) {
  return address(bn.running_mean());
}
Address step_running_var(const StepBatchNorm& bn) {
  return address(bn.running_var());
}
Address step_weight_grad(const StepBatchNorm& bn) {
  return address(bn.weight_grad());
}
Address step_bias_grad(const StepBatchNorm& bn) {
  return address(bn.bias_grad());
}
double step_num_batches_tracked(const StepBatchNorm& bn, std::size_t step) {
  return double(bn.num_batches_tracked()[step]);
}
void step_set_num_batches_tracked(StepBatchNorm& bn, std::size_t step, double n) {
  bn.num_batches_tracked()[step] = std::int64_t(n);
}

// int64 would need BigInt (WASM_BIGINT); a double holds every count a run can reach exactly.
double bn_num_batches_tracked(const BatchNorm& bn) {
  return double(bn.num_batches_tracked());
}
void bn_set_num_batches_tracked(BatchNorm& bn, double n) {
  bn.set_num_batches_tracked(std::int64_t(n));
}

// torch.nn.functional.batch_norm: batch statistics when training (updating the running ones if
// given), running statistics otherwise.
void batch_norm(Address x, std::size_t n, std::size_t c, std::size_t s, bool channels_last,
                Address running_mean, Address running_var, Address weight, Address bias,
                bool training, float momentum, float eps, bool relu, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  const simdnorm::NormParams params{floats(weight, c), floats(bias, c), eps, relu};
  const std::span<float> mean = floats(running_mean, c), var = floats(running_var, c);
  if (!training) {
    simdnorm::forward_inference(floats(x, shape.numel()), shape, params, mean, var,
                                floats(y, shape.numel()));
    return;
  }
  if (shape.per_channel() == 0) return;  // as BatchNorm::forward: nothing to normalize
  std::vector<float> save_mean(c), save_invstd(c), batch_var(c);
  simdnorm::forward_training(floats(x, shape.numel()), shape, params, floats(y, shape.numel()),
                             save_mean, save_invstd, batch_var);
  if (!mean.empty())
    simdnorm::update_running_stats(save_mean, batch_var, shape.per_channel(), momentum, mean, var);
}

// relu(BN(x) + z), stateless: batch statistics when training (updating the running ones if
// given), running statistics otherwise.
void batch_norm_add_relu(Address x, Address z, std::size_t n, std::size_t c, std::size_t s,
                         bool channels_last, Address running_mean, Address running_var,
                         Address weight, Address bias, bool training, float momentum, float eps,
                         Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  const simdnorm::NormParams params{floats(weight, c), floats(bias, c), eps, false};
  const std::span<float> mean = floats(running_mean, c), var = floats(running_var, c);
  const std::span<float> xs = floats(x, shape.numel()), zs = floats(z, shape.numel()),
                         ys = floats(y, shape.numel());
  if (!training) {
    simdnorm::forward_add_relu_inference(xs, zs, shape, params, mean, var, ys);
    return;
  }
  if (shape.per_channel() == 0) return;
  std::vector<float> save_mean(c), save_invstd(c), batch_var(c);
  simdnorm::forward_add_relu_training(xs, zs, shape, params, ys, save_mean, save_invstd, batch_var);
  if (!mean.empty())
    simdnorm::update_running_stats(save_mean, batch_var, shape.per_channel(), momentum, mean, var);
}

// Sync-BN primitives. Parts cross as packed arrays: k·C floats of means and of M2 (or sums), and
// a JS array of k counts.
double sync_partial_moments(Address x, std::size_t n, std::size_t c, std::size_t s,
                            bool channels_last, Address mean, Address m2) {
  const Shape shape = shape_of(n, c, s, channels_last);
  return double(
      simdnorm::partial_moments(floats(x, shape.numel()), shape, floats(mean, c), floats(m2, c)));
}

double sync_merge_moments(val counts, Address means, Address m2s, std::size_t c, Address mean,
                          Address var) {
  const std::vector<double> k = emscripten::vecFromJSArray<double>(counts);
  std::vector<simdnorm::MomentsPart> parts;
  for (std::size_t i = 0; i < k.size(); ++i)
    parts.push_back({std::size_t(k[i]), floats(means + i * c * sizeof(float), c),
                     floats(m2s + i * c * sizeof(float), c)});
  return double(simdnorm::merge_moments(parts, floats(mean, c), floats(var, c)));
}

void sync_forward_with_stats(Address x, std::size_t n, std::size_t c, std::size_t s,
                             bool channels_last, Address weight, Address bias, float eps,
                             Address mean, Address var, Address y, Address invstd) {
  const Shape shape = shape_of(n, c, s, channels_last);
  simdnorm::forward_with_stats(floats(x, shape.numel()), shape,
                               {floats(weight, c), floats(bias, c), eps, false}, floats(mean, c),
                               floats(var, c), floats(y, shape.numel()), floats(invstd, c));
}

// Σdy and Σdy·(x − mean): no ReLU, so the normalization constants are not needed (ones).
void sync_partial_grad_sums(Address dy, Address x, std::size_t n, std::size_t c, std::size_t s,
                            bool channels_last, Address mean, Address sum_dy, Address sum_dy_xmu) {
  const Shape shape = shape_of(n, c, s, channels_last);
  const std::vector<float> ones(c, 1.f);
  simdnorm::partial_grad_sums(floats(dy, shape.numel()), floats(x, shape.numel()), shape, {},
                              floats(mean, c), ones, floats(sum_dy, c), floats(sum_dy_xmu, c));
}

void sync_merge_grad_sums(std::size_t k, Address sums_dy, Address sums_dy_xmu, std::size_t c,
                          Address sum_dy, Address sum_dy_xmu) {
  std::vector<simdnorm::GradSumsPart> parts;
  for (std::size_t i = 0; i < k; ++i)
    parts.push_back({floats(sums_dy + i * c * sizeof(float), c),
                     floats(sums_dy_xmu + i * c * sizeof(float), c)});
  simdnorm::merge_grad_sums(parts, floats(sum_dy, c), floats(sum_dy_xmu, c));
}

void sync_backward_from_sums(Address dy, Address x, std::size_t n, std::size_t c, std::size_t s,
                             bool channels_last, Address weight, Address mean, Address invstd,
                             Address sum_dy, Address sum_dy_xmu, double count, Address dx,
                             Address dweight, Address dbias) {
  const Shape shape = shape_of(n, c, s, channels_last);
  simdnorm::backward_from_sums(floats(dy, shape.numel()), floats(x, shape.numel()), shape,
                               {floats(weight, c), {}, 1e-5f, false}, floats(mean, c),
                               floats(invstd, c), floats(sum_dy, c), floats(sum_dy_xmu, c),
                               std::size_t(count),
                               {floats(dx, shape.numel()), floats(dweight, c), floats(dbias, c)});
}

void fold_into_linear(Address weight, Address bias, std::size_t out_features, std::size_t fan_in,
                      Address bn_weight, Address bn_bias, Address running_mean, Address running_var,
                      float eps, Address weight_out, Address bias_out) {
  const std::size_t c = out_features;
  const simdnorm::FoldSource bn{floats(bn_weight, c), floats(bn_bias, c), floats(running_mean, c),
                                floats(running_var, c), eps};
  simdnorm::fold_into_linear(floats(weight, c * fan_in), floats(bias, c), out_features, fan_in, bn,
                             floats(weight_out, c * fan_in), floats(bias_out, c));
}

std::string version() {
  return simdnorm::version;
}
std::string active_isa() {
  return std::string(simdnorm::active_isa());
}

// Bytes handed out by malloc and not yet freed: the leak tests' probe.
std::size_t heap_in_use() {
  return mallinfo().uordblks;
}

}  // namespace

EMSCRIPTEN_BINDINGS(simdnorm) {
  namespace em = emscripten;
  em::function("version", guard<&version>);
  em::function("activeIsa", guard<&active_isa>);
  em::function("heapInUse", guard<&heap_in_use>);
  // init({ threads }): the count the pool of the threaded build runs (1 in the other builds).
  em::function("setNumThreads", guard<&simdnorm::set_num_threads>);
  em::function("numThreads", guard<&simdnorm::num_threads>);
  em::function("batchNorm", guard<&batch_norm>);
  em::function("foldIntoLinear", guard<&fold_into_linear>);
  em::function("batchNormAddRelu", guard<&batch_norm_add_relu>);
  em::function("renormLimits", guard<&renorm_limits>);
  em::function("syncPartialMoments", guard<&sync_partial_moments>);
  em::function("syncMergeMoments", guard<&sync_merge_moments>);
  em::function("syncForwardWithStats", guard<&sync_forward_with_stats>);
  em::function("syncPartialGradSums", guard<&sync_partial_grad_sums>);
  em::function("syncMergeGradSums", guard<&sync_merge_grad_sums>);
  em::function("syncBackwardFromSums", guard<&sync_backward_from_sums>);

  em::class_<BatchNorm>("BatchNorm")
      .constructor(guard<&make_batch_norm>, em::allow_raw_pointers())
      .function("forward", guard<&bn_forward>)
      .function("forwardBorrowed", guard<&bn_forward_borrowed>)
      .function("forwardNoGrad", guard<&bn_forward_no_grad>)
      .function("releaseInput", guard<&BatchNorm::release_input>)
      .function("backward", guard<&bn_backward>)
      .function("forwardAddRelu", guard<&bn_forward_add_relu>)
      .function("backwardAddRelu", guard<&bn_backward_add_relu>)
      .function("setRenormLimits", guard<&bn_set_renorm_limits>)
      .function("renormMean", guard<&bn_renorm_mean>)
      .function("renormStd", guard<&bn_renorm_std>)
      .function("setTraining", guard<&bn_set_training>)
      .function("training", guard<&bn_training>)
      .function("weight", guard<&bn_weight>)
      .function("bias", guard<&bn_bias>)
      .function("runningMean", guard<&bn_running_mean>)
      .function("runningVar", guard<&bn_running_var>)
      .function("weightGrad", guard<&bn_weight_grad>)
      .function("biasGrad", guard<&bn_bias_grad>)
      .function("numBatchesTracked", guard<&bn_num_batches_tracked>)
      .function("setNumBatchesTracked", guard<&bn_set_num_batches_tracked>)
      .function("resetRunningStats", guard<&BatchNorm::reset_running_stats>)
      .function("resetParameters", guard<&BatchNorm::reset_parameters>);

  em::class_<StepBatchNorm>("StepBatchNorm")
      .constructor(guard<&make_step_batch_norm>, em::allow_raw_pointers())
      .function("forward", guard<&step_forward>)
      .function("backward", guard<&step_backward>)
      .function("setTraining", guard<&step_set_training>)
      .function("training", guard<&step_training>)
      .function("weight", guard<&step_weight>)
      .function("bias", guard<&step_bias>)
      .function("runningMean", guard<&step_running_mean>)
      .function("runningVar", guard<&step_running_var>)
      .function("weightGrad", guard<&step_weight_grad>)
      .function("biasGrad", guard<&step_bias_grad>)
      .function("numBatchesTracked", guard<&step_num_batches_tracked>)
      .function("setNumBatchesTracked", guard<&step_set_num_batches_tracked>)
      .function("resetRunningStats", guard<&StepBatchNorm::reset_running_stats>)
      .function("resetParameters", guard<&StepBatchNorm::reset_parameters>);
}

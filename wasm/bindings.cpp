// Embind bindings of the core for wasm/index.js, the package's public JavaScript API.
//
// Tensors cross the boundary as byte addresses in the wasm heap (the wrapper copies
// Float32Arrays in and out, or hands over a Tensor that already lives there), shapes as
// (n, c, s, channelsLast) and absent optional arrays as address 0. The wrapper validates every
// argument first: without ASSERTIONS Embind silently turns a bad number into 0. Every binding goes
// through guard<> (wasm/guard.hpp): whatever C++ still throws reaches JS as a typed error.

#include <emscripten/bind.h>
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

using simdnorm::BatchNorm;
using simdnorm::Layout;
using simdnorm::Shape;
using simdnorm::wasm::guard;
using Address = std::uintptr_t;

std::span<float> floats(Address at, std::size_t count) {
  return at ? std::span<float>(reinterpret_cast<float*>(at), count) : std::span<float>();
}

Shape shape_of(std::size_t n, std::size_t c, std::size_t s, bool channels_last) {
  return {n, c, s, channels_last ? Layout::ChannelsLast : Layout::ChannelsFirst};
}

// momentum NaN stands for JavaScript's null: the cumulative moving average.
BatchNorm* make_batch_norm(std::size_t num_features, float eps, float momentum, bool affine,
                           bool track_running_stats, bool relu) {
  simdnorm::Options options;
  options.eps = eps;
  options.momentum = std::isnan(momentum) ? std::nullopt : std::optional<float>(momentum);
  options.affine = affine;
  options.track_running_stats = track_running_stats;
  options.relu = relu;
  return new BatchNorm(num_features, options);
}

void bn_forward(BatchNorm& bn, Address x, std::size_t n, std::size_t c, std::size_t s,
                bool channels_last, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  bn.forward(floats(x, shape.numel()), shape, floats(y, shape.numel()));
}

// The wrapper's path for Float32Array inputs: x is the wrapper's own heap copy, kept unchanged
// until the next forward, so the module need not copy it again for backward.
void bn_forward_borrowed(BatchNorm& bn, Address x, std::size_t n, std::size_t c, std::size_t s,
                         bool channels_last, Address y) {
  const Shape shape = shape_of(n, c, s, channels_last);
  bn.forward_borrowed(floats(x, shape.numel()), shape, floats(y, shape.numel()));
}

void bn_backward(BatchNorm& bn, Address dy, Address dx, std::size_t numel) {
  bn.backward(floats(dy, numel), floats(dx, numel));
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
  em::function("batchNorm", guard<&batch_norm>);
  em::function("foldIntoLinear", guard<&fold_into_linear>);

  em::class_<BatchNorm>("BatchNorm")
      .constructor(guard<&make_batch_norm>, em::allow_raw_pointers())
      .function("forward", guard<&bn_forward>)
      .function("forwardBorrowed", guard<&bn_forward_borrowed>)
      .function("backward", guard<&bn_backward>)
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
}

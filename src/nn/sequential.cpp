#include "nn/sequential.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <stdexcept>
#include <string>

#include "nn/clip_grad_norm.hpp"
#include "nn/layer_factory.hpp"
#include "nn/mse_loss.hpp"
#include "nn/optim/optimizer.hpp"
#include "nn/random.hpp"
#include "nn/softmax_cross_entropy.hpp"
#include "simdnorm/error.hpp"

namespace simdnorm::nn {
namespace {

SampleShape input_shape_of(const std::vector<std::size_t>& dims) {
  if (dims.empty() || dims.size() > SampleShape::kMaxRank ||
      std::find(dims.begin(), dims.end(), 0) != dims.end()) {
    std::string given = "[";
    for (std::size_t i = 0; i < dims.size(); ++i)
      given += (i ? ", " : "") + std::to_string(dims[i]);
    throw Error(ErrorCode::shape,
                "simdnorm::nn::Sequential: inputShape: expected 1 to 3 dimensions ≥ 1, given " +
                    given + "]");
  }
  SampleShape s;
  double floats = 1;
  for (const std::size_t d : dims) {
    s.dims[s.rank++] = d;
    floats *= double(d);
  }
  check_tensor_floats("simdnorm::nn::Sequential: inputShape", floats, "one sample");
  return s;
}

// Every spec parsed and every shape chained, before any layer exists.
void check_chain(const std::vector<LayerSpec>& specs, const SampleShape& input) {
  if (specs.empty())
    throw Error(ErrorCode::shape, "simdnorm::nn::Sequential: layers: expected at least 1, given 0");
  SampleShape shape = input;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    try {
      shape = layer_output_shape(specs[i], shape);
    } catch (const Error& e) {
      throw Error(e.code(), "simdnorm::nn::Sequential: layer " + std::to_string(i) + " (" +
                                specs[i].type + "): " + e.what());
    }
  }
}

void check_max_grad_norm(const char* fn, std::optional<double> max_grad_norm) {
  if (max_grad_norm && !(*max_grad_norm >= 0 && std::isfinite(*max_grad_norm)))
    throw Error(ErrorCode::range, std::string("simdnorm::nn::Sequential::") + fn +
                                      ": max_grad_norm: expected a finite number ≥ 0, given " +
                                      std::to_string(*max_grad_norm));
}

std::string key_of(std::size_t layer, const std::string& name) {
  return std::to_string(layer) + "." + name;
}

}  // namespace

Sequential::Sequential(const std::vector<LayerSpec>& layers, const SequentialOptions& options)
    : input_shape_(input_shape_of(options.input_shape)) {
  check_chain(layers, input_shape_);
  Rng init = make_rng(options.seed, Stream::init);
  SampleShape shape = input_shape_;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const std::uint64_t stream = (std::uint64_t(Stream::dropout) << 32) | i;
    layers_.push_back(make_layer(layers[i], shape, Rng(options.seed, stream)));
    layers_.back()->reset_parameters(init);
    shape = layers_.back()->output_shape();
    if (first_learning_ == layers_.size() - 1 && layers_.back()->parameters().empty())
      ++first_learning_;
  }
  reserve(std::max<std::size_t>(options.batch_size, 1));
}

const SampleShape& Sequential::output_shape() const {
  return layers_.back()->output_shape();
}

void Sequential::reserve(std::size_t batch) {
  if (batch <= planned_) return;
  // Every per-sample size is ≤ kMaxTensorFloats; bound the batch's total in double first so that
  // no product below wraps (32-bit wasm): what does not fit the address space is out of memory.
  // Workspaces are affine in the batch (scratch is often constant), so sizes at 1 and 2 give them.
  const double b = double(batch);
  double bound = 3.0 * double(input_shape_.size()) * b, bound_scratch = 0;
  for (const auto& l : layers_) {
    const WorkspaceSize one = l->workspace_size(1), two = l->workspace_size(2);
    bound += 4.0 * double(l->output_shape().size()) * b + double(one.saved) +
             (double(two.saved) - double(one.saved)) * (b - 1);
    bound_scratch = std::max(
        bound_scratch, double(one.scratch) + (double(two.scratch) - double(one.scratch)) * (b - 1));
  }
  if (bound + bound_scratch > double(std::numeric_limits<std::size_t>::max() / 8))
    throw std::bad_alloc();
  // Sizes first, then one allocation, then the spans.
  std::size_t widest = input_shape_.size(), total = input_shape_.size() * batch, scratch = 0;
  std::vector<WorkspaceSize> ws;
  for (const auto& l : layers_) {
    const std::size_t out = l->output_shape().size();
    widest = std::max(widest, out);
    total += out * batch;
    ws.push_back(l->workspace_size(batch));
    total += ws.back().saved;
    scratch = std::max(scratch, ws.back().scratch);
  }
  const std::size_t out = output_shape().size() * batch;
  total += scratch + 2 * widest * batch + out;
  std::vector<float> arena(total);
  std::size_t at = 0;
  auto take = [&](std::size_t count) {
    const std::span<float> s(arena.data() + at, count);
    at += count;
    return s;
  };
  activations_.assign(1, take(input_shape_.size() * batch));
  workspaces_.clear();
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    activations_.push_back(take(layers_[i]->output_shape().size() * batch));
    workspaces_.push_back({take(ws[i].saved), {}});
  }
  const std::span<float> shared = take(scratch);
  for (LayerWorkspace& w : workspaces_) w.scratch = shared;
  grad_a_ = take(widest * batch);
  grad_b_ = take(widest * batch);
  doutput_ = take(out);
  arena_ = std::move(arena);
  planned_ = batch;
  last_n_ = 0;  // the saved state of an earlier forward is gone
}

std::size_t Sequential::samples_in(std::span<const float> x) const {
  const std::size_t per = input_shape_.size();
  if (x.empty() || x.size() % per != 0)
    throw Error(ErrorCode::shape, "simdnorm::nn::Sequential: x: expected a positive multiple of " +
                                      std::to_string(per) + " floats (samples of " +
                                      to_string(input_shape_) + "), given " +
                                      std::to_string(x.size()));
  return x.size() / per;
}

std::span<const float> Sequential::forward(std::span<const float> x) {
  const std::size_t n = samples_in(x);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    try {
      layers_[i]->check_batch(n, mode_);
    } catch (const Error& e) {
      throw Error(e.code(), "simdnorm::nn::Sequential: layer " + std::to_string(i) + " (" +
                                std::string(layers_[i]->type()) + "): " + e.what());
    }
  }
  reserve(n);
  std::copy(x.begin(), x.end(), activations_[0].begin());
  for (std::size_t i = 0; i < layers_.size(); ++i)
    layers_[i]->forward(activations_[i], n, activations_[i + 1], mode_, workspaces_[i]);
  last_n_ = n;
  return activations_.back().first(n * output_shape().size());
}

std::span<const float> Sequential::layer_output(std::size_t i) const {
  if (i >= layers_.size())
    throw Error(ErrorCode::range,
                "simdnorm::nn::Sequential::layer_output: index: expected a layer in [0, " +
                    std::to_string(layers_.size()) + "), given " + std::to_string(i));
  if (last_n_ == 0)
    throw Error(ErrorCode::state,
                "simdnorm::nn::Sequential::layer_output: index: expected a forward() before "
                "layer_output(), given none");
  return activations_[i + 1].first(last_n_ * layers_[i]->output_shape().size());
}

void Sequential::backward(std::span<const float> doutput) {
  const std::size_t n = last_n_;
  if (n == 0)
    throw Error(
        ErrorCode::state,
        "simdnorm::nn::Sequential::backward: doutput: expected a forward() before backward(), "
        "given none");
  if (doutput.size() != n * output_shape().size())
    throw Error(ErrorCode::shape, "simdnorm::nn::Sequential::backward: doutput: expected " +
                                      std::to_string(n * output_shape().size()) +
                                      " floats (the last forward's output), given " +
                                      std::to_string(doutput.size()));
  // Backward stops at the first layer with parameters: nothing before it learns and the input's
  // gradient is no output (a Flatten before the BN MLP's first Linear would otherwise cost a
  // quarter of its step in a 60 × 100 × 784 product no one reads).
  std::span<const float> dy = doutput;
  for (std::size_t i = layers_.size(); i-- > first_learning_;) {
    const std::span<float> dx = i == first_learning_
                                    ? std::span<float>()
                                    : (dy.data() == grad_a_.data() ? grad_b_ : grad_a_);
    layers_[i]->backward(activations_[i], activations_[i + 1], dy, n, dx, workspaces_[i]);
    dy = dx;
  }
}

TrainStepResult Sequential::train_step(std::span<const float> x,
                                       std::span<const std::int32_t> labels,
                                       optim::Optimizer& optimizer,
                                       std::optional<double> max_grad_norm) {
  const SampleShape& out = output_shape();
  if (out.rank != 1)
    throw Error(ErrorCode::shape,
                "simdnorm::nn::Sequential::train_step: model output: expected [classes], given " +
                    to_string(out));
  const std::size_t n = samples_in(x);
  if (labels.size() != n)
    throw Error(ErrorCode::shape, "simdnorm::nn::Sequential::train_step: labels: expected " +
                                      std::to_string(n) + " (one per sample), given " +
                                      std::to_string(labels.size()));
  // Before forward: a bad argument must not leave a half-done step (BN running statistics updated).
  check_max_grad_norm("train_step", max_grad_norm);
  for (std::size_t i = 0; i < n; ++i)
    if (labels[i] < 0 || std::size_t(labels[i]) >= out[0])
      throw Error(ErrorCode::range, "simdnorm::nn::Sequential::train_step: labels[" +
                                        std::to_string(i) + "]: expected a class in [0, " +
                                        std::to_string(out[0]) + "), given " +
                                        std::to_string(labels[i]));
  const std::span<const float> logits = forward(x);
  const std::span<float> dlogits = doutput_.first(logits.size());
  const LossResult r = softmax_cross_entropy(logits, n, out[0], labels, dlogits);
  return {r.loss, r.correct, finish_step(dlogits, optimizer, max_grad_norm)};
}

TrainStepResult Sequential::train_step_mse(std::span<const float> x, std::span<const float> targets,
                                           optim::Optimizer& optimizer,
                                           std::optional<double> max_grad_norm) {
  const std::size_t n = samples_in(x), out = output_shape().size();
  if (targets.size() != n * out)
    throw Error(ErrorCode::shape, "simdnorm::nn::Sequential::train_step_mse: targets: expected " +
                                      std::to_string(n * out) + " floats (" + std::to_string(n) +
                                      " samples of " + to_string(output_shape()) + "), given " +
                                      std::to_string(targets.size()));
  check_max_grad_norm("train_step_mse", max_grad_norm);
  const std::span<const float> y = forward(x);
  const std::span<float> dy = doutput_.first(y.size());
  const double loss = mse_loss(y, targets, dy);
  return {loss, 0, finish_step(dy, optimizer, max_grad_norm)};
}

double Sequential::finish_step(std::span<const float> dloss, optim::Optimizer& optimizer,
                               std::optional<double> max_grad_norm) {
  backward(dloss);
  const double norm = max_grad_norm ? clip_grad_norm(optimizer.params(), *max_grad_norm) : 0;
  optimizer.step();
  return norm;
}

std::vector<Parameter> Sequential::parameters() {
  std::vector<Parameter> all;
  for (std::size_t i = 0; i < layers_.size(); ++i)
    for (Parameter& p : layers_[i]->parameters()) {
      p.name = key_of(i, p.name);
      all.push_back(std::move(p));
    }
  return all;
}

StateDict Sequential::state_dict() const {
  StateDict dict;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    StateDict entries;
    for (const Parameter& p : layers_[i]->parameters())
      entries.push_back({p.name, {p.shape, {p.value.begin(), p.value.end()}}});
    for (const Buffer& b : layers_[i]->buffers()) {
      StateTensor t{b.shape, {}};
      if (const auto* f = std::get_if<std::span<float>>(&b.value))
        t.values.assign(f->begin(), f->end());
      else
        for (const std::int64_t count : std::get<std::span<std::int64_t>>(b.value))
          t.values.push_back(float(count));
      entries.push_back({b.name, std::move(t)});
    }
    // PyTorch's order within a module: its own parameters, its own buffers, then each
    // submodule's ("bn_ih.weight", "bn_ih.running_mean", ...) in the order they first appear.
    std::vector<std::string> submodules{""};
    auto rank = [&](const std::string& name) {
      const std::size_t dot = name.find('.');
      const std::string prefix = dot == std::string::npos ? "" : name.substr(0, dot);
      auto it = std::find(submodules.begin(), submodules.end(), prefix);
      if (it == submodules.end()) it = submodules.insert(it, prefix);
      return std::size_t(it - submodules.begin());
    };
    for (const auto& entry : entries) rank(entry.first);
    std::stable_sort(entries.begin(), entries.end(),
                     [&](const auto& a, const auto& b) { return rank(a.first) < rank(b.first); });
    for (auto& entry : entries) dict.push_back({key_of(i, entry.first), std::move(entry.second)});
  }
  return dict;
}

void Sequential::load_state_dict(const StateDict& state) {
  constexpr const char* fn = "simdnorm::nn::Sequential::load_state_dict: '";
  struct Target {
    std::string key;
    std::vector<std::size_t> shape;
    std::span<float> floats;
    std::span<std::int64_t> integers;
    bool counts = false;
    const StateTensor* source = nullptr;
  };
  std::vector<Target> targets;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    for (const Parameter& p : layers_[i]->parameters())
      targets.push_back({key_of(i, p.name), p.shape, p.value, {}});
    for (const Buffer& b : layers_[i]->buffers()) {
      Target t{key_of(i, b.name), b.shape, {}, {}};
      if (const auto* f = std::get_if<std::span<float>>(&b.value))
        t.floats = *f;
      else {
        t.integers = std::get<std::span<std::int64_t>>(b.value);
        t.counts = true;
      }
      targets.push_back(std::move(t));
    }
  }
  for (const auto& entry : state) {
    // Not a structured binding: clang 14 (Emscripten 3.1.6) cannot capture one in a lambda.
    const std::string& key = entry.first;
    const StateTensor& tensor = entry.second;
    auto it =
        std::find_if(targets.begin(), targets.end(), [&](const Target& t) { return t.key == key; });
    if (it == targets.end())
      throw Error(ErrorCode::type, fn + key + "': expected no such key (strict), given one");
    if (it->source) throw Error(ErrorCode::range, fn + key + "': expected once, given twice");
    const std::size_t expected = it->counts ? it->integers.size() : it->floats.size();
    if (tensor.values.size() != expected || (!tensor.shape.empty() && tensor.shape != it->shape))
      throw Error(ErrorCode::shape, fn + key + "': expected shape " + shape_to_string(it->shape) +
                                        " (" + std::to_string(expected) + " values), given shape " +
                                        shape_to_string(tensor.shape) + " (" +
                                        std::to_string(tensor.values.size()) + " values)");
    if (it->counts)
      for (const float v : tensor.values)
        if (!(v >= 0 && std::trunc(v) == v))
          throw Error(ErrorCode::range,
                      fn + key + "': expected integer counts ≥ 0, given " + std::to_string(v));
    it->source = &tensor;
  }
  for (const Target& t : targets)
    if (!t.source)
      throw Error(ErrorCode::type, fn + t.key + "': expected a tensor of shape " +
                                       shape_to_string(t.shape) + ", given none (missing key)");
  for (const Target& t : targets) {
    if (t.counts)
      std::transform(t.source->values.begin(), t.source->values.end(), t.integers.begin(),
                     [](float v) { return std::int64_t(v); });
    else
      std::copy(t.source->values.begin(), t.source->values.end(), t.floats.begin());
  }
}

}  // namespace simdnorm::nn

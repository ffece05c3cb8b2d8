// Embind bindings of the layer engine (simdnorm::nn::Sequential and nn::optim) for
// wasm/sequential.js. They only translate: wasm/sequential.js has checked every JS type (a spec
// value is null, a boolean, a number or a string; arrays are Float32Array/Int32Array), the C++
// checks every meaning (shapes, ranges, keys) and every binding goes through guard<>
// (wasm/guard.hpp), so what C++ throws reaches JS as a typed error. Inputs are copied into buffers
// that grow to the largest batch seen and are then reused; results cross as Float32Array copies.

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "guard.hpp"
#include "nn/optim/adam.hpp"
#include "nn/optim/rmsprop.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/sequential.hpp"

namespace {

using emscripten::val;
using simdnorm::wasm::guard;
using namespace simdnorm::nn;

val floats(std::span<const float> v) {
  // new Float32Array(view) copies, so the result survives memory growth and dispose().
  return val::global("Float32Array").new_(val(emscripten::typed_memory_view(v.size(), v.data())));
}

val dims(std::span<const std::size_t> d) {
  val out = val::array();
  for (const std::size_t x : d) out.call<void>("push", double(x));
  return out;
}

// Copies a typed array into `buffer` (grown, never shrunk) and returns the filled part.
template <class T>
std::span<const T> copy_in(const val& array, std::vector<T>& buffer) {
  const std::size_t n = array["length"].as<std::size_t>();
  if (buffer.size() < n) buffer.resize(n);
  val(emscripten::typed_memory_view(n, buffer.data())).call<void>("set", array);
  return {buffer.data(), n};
}

// [[type, [[name, value], ...]], ...] as wasm/sequential.js normalized it.
std::vector<LayerSpec> specs_of(const val& layers) {
  std::vector<LayerSpec> specs;
  const std::size_t count = layers["length"].as<std::size_t>();
  for (std::size_t i = 0; i < count; ++i) {
    const val layer = layers[i];
    LayerSpec spec{layer[0].as<std::string>(), {}};
    const val args = layer[1];
    const std::size_t n = args["length"].as<std::size_t>();
    for (std::size_t a = 0; a < n; ++a) {
      const val value = args[a][1];
      SpecValue v = nullptr;
      if (value.isTrue() || value.isFalse())
        v = value.as<bool>();
      else if (value.isNumber())
        v = value.as<double>();
      else if (value.isString())
        v = value.as<std::string>();
      spec.args.emplace_back(args[a][0].as<std::string>(), v);
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

// An optimizer over one model's parameters, which it points into: wasm/sequential.js keeps the
// pair and passes an optimizer only to its own model.
class NnOptimizer {
 public:
  explicit NnOptimizer(std::unique_ptr<optim::Optimizer> opt) : opt_(std::move(opt)) {}
  optim::Optimizer& get() { return *opt_; }
  float lr() const { return opt_->lr(); }
  void set_lr(float lr) { opt_->set_lr(lr); }

 private:
  std::unique_ptr<optim::Optimizer> opt_;
};

class NnSequential {
 public:
  NnSequential(const val& layers, const val& input_shape, double seed, double batch_size) {
    SequentialOptions o;
    const std::size_t rank = input_shape["length"].as<std::size_t>();
    for (std::size_t i = 0; i < rank; ++i)
      o.input_shape.push_back(input_shape[i].as<std::size_t>());
    o.seed = std::uint64_t(seed);
    o.batch_size = std::size_t(batch_size);
    model_ = std::make_unique<Sequential>(specs_of(layers), o);
  }

  Sequential& model() { return *model_; }

  val input_shape() const {
    const SampleShape& s = model_->input_shape();
    return dims({s.dims.data(), s.rank});
  }
  val output_shape() const {
    const SampleShape& s = model_->output_shape();
    return dims({s.dims.data(), s.rank});
  }
  double planned_batch() const { return double(model_->planned_batch()); }

  void train(bool on) { model_->train(on); }
  bool training() const { return model_->training(); }

  val forward(const val& x) { return floats(model_->forward(copy_in(x, x_))); }
  val layer_output(double index) const { return floats(model_->layer_output(std::size_t(index))); }

  // clip: whether to clip gradients to max_grad_norm (trainStep's options.maxGradNorm).
  val train_step(const val& x, const val& labels, NnOptimizer& opt, bool clip,
                 double max_grad_norm) {
    const TrainStepResult r =
        model_->train_step(copy_in(x, x_), copy_in(labels, labels_), opt.get(),
                           clip ? std::optional<double>(max_grad_norm) : std::nullopt);
    val o = val::object();
    o.set("loss", r.loss);
    o.set("correct", double(r.correct));
    if (clip) o.set("gradNorm", r.grad_norm);
    return o;
  }

  // The same step with mean squared error against float targets (trainStep's options.loss 'mse').
  val train_step_mse(const val& x, const val& targets, NnOptimizer& opt, bool clip,
                     double max_grad_norm) {
    const TrainStepResult r =
        model_->train_step_mse(copy_in(x, x_), copy_in(targets, targets_), opt.get(),
                               clip ? std::optional<double>(max_grad_norm) : std::nullopt);
    val o = val::object();
    o.set("loss", r.loss);
    if (clip) o.set("gradNorm", r.grad_norm);
    return o;
  }

  // [{ key, values: Float32Array, shape: number[] }] in PyTorch's order.
  val state_dict() const {
    val out = val::array();
    for (const auto& entry : model_->state_dict()) {
      val e = val::object();
      e.set("key", entry.first);
      e.set("values", floats(entry.second.values));
      e.set("shape", dims(entry.second.shape));
      out.call<void>("push", e);
    }
    return out;
  }

  // [[key, Float32Array], ...]; the C++ checks keys and sizes (strict, all or nothing).
  void load_state_dict(const val& entries) {
    StateDict state;
    const std::size_t n = entries["length"].as<std::size_t>();
    for (std::size_t i = 0; i < n; ++i)
      state.push_back({entries[i][0].as<std::string>(),
                       {{}, emscripten::convertJSArrayToNumberVector<float>(entries[i][1])}});
    model_->load_state_dict(state);
  }

 private:
  std::unique_ptr<Sequential> model_;
  std::vector<float> x_;
  std::vector<std::int32_t> labels_;
  std::vector<float> targets_;
};

NnSequential* make_sequential(val layers, val input_shape, double seed, double batch_size) {
  return new NnSequential(layers, input_shape, seed, batch_size);
}

// The options objects as wasm/sequential.js normalized them (every field present, types checked).
NnOptimizer* make_sgd(NnSequential& model, val o) {
  const optim::SGDOptions options{o["lr"].as<float>(), o["momentum"].as<float>(),
                                  o["dampening"].as<float>(), o["weightDecay"].as<float>(),
                                  o["nesterov"].as<bool>()};
  return new NnOptimizer(std::make_unique<optim::SGD>(model.model().parameters(), options));
}

NnOptimizer* make_adam(NnSequential& model, val o) {
  optim::AdamOptions options;
  options.lr = o["lr"].as<float>();
  options.betas = {o["betas"][0].as<float>(), o["betas"][1].as<float>()};
  options.eps = o["eps"].as<float>();
  options.weight_decay = o["weightDecay"].as<float>();
  return new NnOptimizer(std::make_unique<optim::Adam>(model.model().parameters(), options));
}

NnOptimizer* make_rmsprop(NnSequential& model, val o) {
  optim::RMSpropOptions options;
  options.lr = o["lr"].as<float>();
  options.alpha = o["alpha"].as<float>();
  options.eps = o["eps"].as<float>();
  options.weight_decay = o["weightDecay"].as<float>();
  options.momentum = o["momentum"].as<float>();
  options.centered = o["centered"].as<bool>();
  return new NnOptimizer(std::make_unique<optim::RMSprop>(model.model().parameters(), options));
}

}  // namespace

EMSCRIPTEN_BINDINGS(simdnorm_sequential) {
  emscripten::class_<NnSequential>("NnSequential")
      .constructor(guard<&make_sequential>, emscripten::allow_raw_pointers())
      .function("inputShape", guard<&NnSequential::input_shape>)
      .function("outputShape", guard<&NnSequential::output_shape>)
      .function("plannedBatch", guard<&NnSequential::planned_batch>)
      .function("train", guard<&NnSequential::train>)
      .function("training", guard<&NnSequential::training>)
      .function("forward", guard<&NnSequential::forward>)
      .function("layerOutput", guard<&NnSequential::layer_output>)
      .function("trainStep", guard<&NnSequential::train_step>)
      .function("trainStepMse", guard<&NnSequential::train_step_mse>)
      .function("stateDict", guard<&NnSequential::state_dict>)
      .function("loadStateDict", guard<&NnSequential::load_state_dict>);
  emscripten::class_<NnOptimizer>("NnOptimizer")
      .class_function("sgd", guard<&make_sgd>, emscripten::allow_raw_pointers())
      .class_function("adam", guard<&make_adam>, emscripten::allow_raw_pointers())
      .class_function("rmsprop", guard<&make_rmsprop>, emscripten::allow_raw_pointers())
      .function("lr", guard<&NnOptimizer::lr>)
      .function("setLr", guard<&NnOptimizer::set_lr>);
}

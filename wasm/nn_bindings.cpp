// Embind bindings of the toy-model trainer (src/nn/trainer.hpp, a Sequential of the layer engine)
// and the page's analytics of its model (src/nn/model_analytics.hpp) for wasm/trainer.js. They
// only translate: the wrapper fills in defaults and checks every type first (Embind without
// ASSERTIONS turns a bad number into 0); the C++ Trainer validates ranges. Every binding goes
// through guard<> (wasm/guard.hpp), so what C++ throws reaches JS as a typed error. Results cross
// as plain JS objects and Float32Array copies.

#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "core/validate.hpp"
#include "guard.hpp"
#include "nn/model_analytics.hpp"
#include "nn/trainer.hpp"

namespace {

using emscripten::val;
using simdnorm::wasm::guard;
using namespace simdnorm::nn;
namespace nn = simdnorm::nn;

val floats(const std::vector<float>& v) {
  // new Float32Array(view) copies, so the result survives memory growth and dispose().
  return val::global("Float32Array").new_(val(emscripten::typed_memory_view(v.size(), v.data())));
}

val summary(const Summary& s) {
  val o = val::object();
  o.set("mean", s.mean);
  o.set("std", s.std);
  o.set("p5", s.p5);
  o.set("p25", s.p25);
  o.set("p50", s.p50);
  o.set("p75", s.p75);
  o.set("p95", s.p95);
  return o;
}

val layer(const LayerStats& l) {
  val o = val::object();
  o.set("dense", summary(l.dense));
  o.set("act", summary(l.act));
  return o;
}

val split(const Split& s) {
  val o = val::object();
  o.set("x", floats(s.x));
  o.set("labels", val::global("Uint8Array")
                      .new_(val(emscripten::typed_memory_view(s.labels.size(), s.labels.data()))));
  return o;
}

NormStats norm_stats(const std::string& name) {
  if (name == "running" || name == "eval") return NormStats::running;
  if (name == "batch") return NormStats::batch;
  simdnorm::detail::fail(simdnorm::ErrorCode::range, "nn::Trainer", "mode",
                         "'eval', 'running' or 'batch'", "\"" + name + "\"");
}

// The config object as wasm/trainer.js normalized it (every field present, types checked).
TrainerConfig config_of(const val& c) {
  TrainerConfig t;
  t.data.kind = parse_dataset_kind(c["dataset"].as<std::string>());
  t.data.points = c["points"].as<unsigned>();
  t.data.classes = c["classes"].as<unsigned>();
  t.data.label_noise = c["labelNoise"].as<double>();
  t.data.test_fraction = c["testFraction"].as<double>();
  t.data.seed = c["dataSeed"].as<unsigned>();
  t.hidden.clear();
  const unsigned layers = c["hidden"]["length"].as<unsigned>();
  for (unsigned l = 0; l < layers; ++l) t.hidden.push_back(c["hidden"][l].as<unsigned>());
  t.activation = parse_activation(c["activation"].as<std::string>());
  t.init = parse_init_rule(c["init"].as<std::string>(), t.activation);
  t.init_scale = c["initScale"].as<double>();
  t.batch_norm = c["batchNorm"].as<bool>();
  t.bn_momentum = c["bnMomentum"].as<float>();
  t.bn_eps = c["bnEps"].as<float>();
  t.optimizer = parse_optimizer(c["optimizer"].as<std::string>());
  t.lr = c["lr"].as<float>();
  t.batch = c["batchSize"].as<unsigned>();
  t.seed = c["seed"].as<unsigned>();
  return t;
}

// Owns the Trainer (which must not move: its optimizer points into its model).
class NnTrainer {
 public:
  explicit NnTrainer(const val& config) : t_(std::make_unique<Trainer>(config_of(config))) {}

  val train_steps(unsigned k) {
    const StepMetrics m = t_->train_steps(k);
    val o = val::object();
    o.set("step", double(m.step));
    o.set("loss", m.loss);
    o.set("accuracy", m.accuracy);
    o.set("lossLast", m.loss_last);
    o.set("diverged", m.diverged);
    return o;
  }

  val evaluate(const std::string& which, const std::string& mode) {
    const Evaluation e =
        t_->evaluate(which == "train" ? SplitKind::train : SplitKind::test, norm_stats(mode));
    val o = val::object();
    o.set("loss", e.loss);
    o.set("accuracy", e.accuracy);
    return o;
  }

  val layer_stats() {
    val out = val::array();
    for (const LayerStats& l : nn::layer_stats(t_->model(), t_->dataset()))
      out.call<void>("push", layer(l));
    return out;
  }

  val unit_stats(unsigned l, unsigned unit) {
    return layer(nn::unit_stats(t_->model(), t_->dataset(), l, unit));
  }

  val running_stats() {
    val out = val::array();
    for (const RunningStats& s : nn::running_stats(t_->model(), t_->dataset())) {
      val o = val::object();
      o.set("mean", floats(s.mean));
      o.set("var", floats(s.var));
      o.set("trueMean", floats(s.true_mean));
      o.set("trueVar", floats(s.true_var));
      o.set("batches", double(s.batches));
      out.call<void>("push", o);
    }
    return out;
  }

  val fold() {
    const FoldCheck f = nn::fold_check(t_->model(), t_->dataset());
    val o = val::object();
    o.set("folded", f.folded);
    o.set("maxAbsDiff", f.max_abs_diff);
    o.set("maxLogitDiff", f.max_logit_diff);
    o.set("agreement", f.agreement);
    o.set("points", double(f.points));
    return o;
  }

  val decision_grid(unsigned w, unsigned h, float x_min, float x_max, float y_min, float y_max) {
    return floats(
        nn::decision_grid(t_->model(), w, h, Bounds{x_min, x_max, y_min, y_max}, bn_inference_));
  }

  val predict(float x, float y) { return floats(nn::predict(t_->model(), x, y, bn_inference_)); }

  void set_bn_inference(const std::string& mode) { bn_inference_ = norm_stats(mode); }

  void set_learning_rate(float lr) { t_->set_learning_rate(lr); }

  val dataset() const {
    const Dataset& d = t_->dataset();
    val o = val::object();
    o.set("train", split(d.train));
    o.set("test", split(d.test));
    o.set("classes", unsigned(d.classes));
    val b = val::object();
    b.set("xMin", d.bounds.x_min);
    b.set("xMax", d.bounds.x_max);
    b.set("yMin", d.bounds.y_min);
    b.set("yMax", d.bounds.y_max);
    o.set("bounds", b);
    return o;
  }

  double step() const { return double(t_->step()); }
  bool diverged() const { return t_->diverged(); }
  unsigned classes() const { return unsigned(t_->classes()); }

 private:
  std::unique_ptr<Trainer> t_;
  NormStats bn_inference_ = NormStats::running;  // of decisionGrid and predict
};

NnTrainer* make_trainer(val config) {
  return new NnTrainer(config);
}

}  // namespace

EMSCRIPTEN_BINDINGS(simdnorm_nn) {
  emscripten::class_<NnTrainer>("NnTrainer")
      .constructor(guard<&make_trainer>, emscripten::allow_raw_pointers())
      .function("trainSteps", guard<&NnTrainer::train_steps>)
      .function("evaluate", guard<&NnTrainer::evaluate>)
      .function("layerStats", guard<&NnTrainer::layer_stats>)
      .function("unitStats", guard<&NnTrainer::unit_stats>)
      .function("runningStats", guard<&NnTrainer::running_stats>)
      .function("fold", guard<&NnTrainer::fold>)
      .function("decisionGrid", guard<&NnTrainer::decision_grid>)
      .function("predict", guard<&NnTrainer::predict>)
      .function("setBnInference", guard<&NnTrainer::set_bn_inference>)
      .function("setLearningRate", guard<&NnTrainer::set_learning_rate>)
      .function("dataset", guard<&NnTrainer::dataset>)
      .function("step", guard<&NnTrainer::step>)
      .function("diverged", guard<&NnTrainer::diverged>)
      .function("classes", guard<&NnTrainer::classes>);
}

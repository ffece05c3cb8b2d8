#include "nn/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/validate.hpp"
#include "nn/optim/adam.hpp"
#include "nn/optim/sgd.hpp"

namespace simdnorm::nn {
namespace {

[[noreturn]] void bad(const std::string& field, const std::string& expected,
                      const std::string& given) {
  detail::fail(ErrorCode::range, "nn::Trainer", field, expected, given);
}

std::string num(double v) {
  return std::to_string(v);
}

const TrainerConfig& validated(const TrainerConfig& c) {
  if (c.hidden.empty() || c.hidden.size() > 8)
    bad("hidden", "1 to 8 layer widths", std::to_string(c.hidden.size()) + " widths");
  for (std::size_t l = 0; l < c.hidden.size(); ++l)
    if (c.hidden[l] < 1 || c.hidden[l] > 512)
      bad("hidden[" + std::to_string(l) + "]", "a width in [1, 512]", std::to_string(c.hidden[l]));
  if (!(c.init_scale > 0) || !std::isfinite(c.init_scale))
    bad("initScale", "a finite number > 0", num(c.init_scale));
  if (!(c.lr > 0) || !std::isfinite(c.lr)) bad("lr", "a finite number > 0", num(c.lr));
  if (!(c.bn_momentum >= 0 && c.bn_momentum <= 1))
    bad("bnMomentum", "a number in [0, 1]", num(c.bn_momentum));
  if (!(c.bn_eps > 0) || !std::isfinite(c.bn_eps))
    bad("bnEps", "a finite number > 0", num(c.bn_eps));
  return c;
}

const Dataset& with_batch_checked(const TrainerConfig& c, const Dataset& d) {
  if (c.batch < 2 || c.batch > d.train.size())
    bad("batchSize", "an integer in [2, " + std::to_string(d.train.size()) + "] (training points)",
        std::to_string(c.batch));
  return d;
}

Sequential make_model(const TrainerConfig& c, const Dataset& d) {
  Sequential model(trainer_layers(c, d.classes),
                   {.input_shape = {2}, .batch_size = c.batch, .seed = c.seed});
  Rng init = make_rng(c.seed, Stream::init);
  for (std::size_t i = 0; i < model.size(); ++i)
    if (model.layer(i).type() == "Linear") initialize(model.layer(i), c.init, c.init_scale, init);
  return model;
}

std::unique_ptr<optim::Optimizer> make_optimizer(const TrainerConfig& c, Sequential& model) {
  if (c.optimizer == OptimizerKind::adam)
    return std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = c.lr});
  const float momentum = c.optimizer == OptimizerKind::momentum ? 0.9f : 0.f;
  return std::make_unique<optim::SGD>(model.parameters(),
                                      optim::SGDOptions{.lr = c.lr, .momentum = momentum});
}

}  // namespace

OptimizerKind parse_optimizer(std::string_view name) {
  if (name == "sgd") return OptimizerKind::sgd;
  if (name == "momentum") return OptimizerKind::momentum;
  if (name == "adam") return OptimizerKind::adam;
  detail::fail(ErrorCode::range, "nn::parse_optimizer", "optimizer", "one of sgd, momentum, adam",
               "\"" + std::string(name) + "\"");
}

std::string_view to_string(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::sgd:
      return "sgd";
    case OptimizerKind::momentum:
      return "momentum";
    case OptimizerKind::adam:
      return "adam";
  }
  return "?";
}

std::vector<LayerSpec> trainer_layers(const TrainerConfig& c, std::size_t classes) {
  std::vector<LayerSpec> layers;
  std::size_t in = 2;
  for (const std::size_t w : c.hidden) {
    layers.push_back(
        {"linear", {{"inFeatures", std::int64_t(in)}, {"outFeatures", std::int64_t(w)}}});
    if (c.batch_norm)
      layers.push_back({"batchNorm1d",
                        {{"numFeatures", std::int64_t(w)},
                         {"eps", double(c.bn_eps)},
                         {"momentum", double(c.bn_momentum)}}});
    layers.push_back({std::string(to_string(c.activation)), {}});
    in = w;
  }
  layers.push_back(
      {"linear", {{"inFeatures", std::int64_t(in)}, {"outFeatures", std::int64_t(classes)}}});
  return layers;
}

Trainer::Trainer(const TrainerConfig& config)
    : config_(validated(config)),
      data_(make_dataset(config.data)),
      model_(make_model(config, with_batch_checked(config, data_))),
      optimizer_(make_optimizer(config, model_)),
      sampler_(data_.train.size(), config.batch, config.seed),
      batch_x_(config.batch * 2),
      batch_labels_(config.batch) {
  model_.train();
  for (const Parameter& p : optimizer_->params()) watched_.push_back(p.value);
  for (std::size_t i = 0; i < model_.size(); ++i)
    for (const Buffer& b : model_.layer(i).buffers())
      if (const auto* f = std::get_if<std::span<float>>(&b.value)) watched_.push_back(*f);
}

bool Trainer::finite() const {
  return std::all_of(watched_.begin(), watched_.end(), [](std::span<const float> v) {
    return std::all_of(v.begin(), v.end(), [](float f) { return std::isfinite(f); });
  });
}

StepMetrics Trainer::train_steps(std::size_t k) {
  if (k < 1) bad("steps", "an integer ≥ 1", std::to_string(k));
  if (diverged_) return last_;
  const std::size_t b = config_.batch;
  double loss_sum = 0, acc_sum = 0;
  std::size_t done = 0;
  TrainStepResult r;
  for (; done < k; ++done) {
    const std::span<const std::size_t> idx = sampler_.next();
    for (std::size_t i = 0; i < b; ++i) {
      batch_x_[2 * i] = data_.train.x[2 * idx[i]];
      batch_x_[2 * i + 1] = data_.train.x[2 * idx[i] + 1];
      batch_labels_[i] = data_.train.labels[idx[i]];
    }
    r = model_.train_step(batch_x_, batch_labels_, *optimizer_);
    loss_sum += r.loss;
    if (!std::isfinite(r.loss)) {
      // The loss came from the parameters before this step: the step itself does not count.
      diverged_ = true;
      ++done;
      break;
    }
    acc_sum += double(r.correct) / double(b);
    ++step_;
  }
  // A non-finite update shows up as a non-finite loss on the next step; checking the parameters
  // once per call catches it before the caller looks at predictions.
  if (!diverged_ && !finite()) diverged_ = true;
  last_ = {step_, loss_sum / double(done), acc_sum / double(done), r.loss, diverged_};
  if (diverged_) last_.loss = last_.loss_last = std::numeric_limits<double>::quiet_NaN();
  return last_;
}

Evaluation Trainer::evaluate(SplitKind split, NormStats stats) {
  const Split& s = split == SplitKind::train ? data_.train : data_.test;
  if (s.size() == 0)
    bad("split", "a split with points (testFraction > 0 for test)", "an empty split");
  return nn::evaluate(model_, s.x, s.labels, stats);
}

void Trainer::set_learning_rate(float lr) {
  if (!(lr > 0) || !std::isfinite(lr)) bad("lr", "a finite number > 0", num(lr));
  optimizer_->set_lr(lr);
}

}  // namespace simdnorm::nn

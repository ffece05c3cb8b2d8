#include "nn/trainer.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/validate.hpp"
#include "nn/softmax_cross_entropy.hpp"
#include "simdnorm/functional.hpp"

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

ModelSpec model_spec(const TrainerConfig& c) {
  ModelSpec s;
  s.inputs = 2;
  s.hidden = c.hidden;
  s.classes = dataset_classes(c.data);
  s.activation = c.activation;
  s.batch_norm = c.batch_norm;
  s.bn_momentum = c.bn_momentum;
  s.bn_eps = c.bn_eps;
  return s;
}

BatchSampler make_sampler(const TrainerConfig& c, const Dataset& d) {
  if (c.batch < 2 || c.batch > d.train.size())
    bad("batchSize", "an integer in [2, " + std::to_string(d.train.size()) + "] (training points)",
        std::to_string(c.batch));
  return BatchSampler(d.train.size(), c.batch, c.seed);
}

// Population statistics and nearest-rank percentiles of `values` (sorted in place).
Summary summarize(std::vector<float>& values) {
  Summary s;
  if (values.empty()) return s;
  double sum = 0;
  for (float v : values) sum += v;
  s.mean = sum / double(values.size());
  double m2 = 0;
  for (float v : values) m2 += (v - s.mean) * (v - s.mean);
  s.std = std::sqrt(m2 / double(values.size()));
  // NaN would break the sort's ordering; a diverged layer reports NaN percentiles instead.
  if (std::any_of(values.begin(), values.end(), [](float v) { return std::isnan(v); })) {
    s.p5 = s.p25 = s.p50 = s.p75 = s.p95 = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  std::sort(values.begin(), values.end());
  const auto rank = [&](double p) {
    const auto r = std::size_t(std::ceil(p / 100.0 * double(values.size())));
    return double(values[std::max<std::size_t>(r, 1) - 1]);
  };
  s.p5 = rank(5);
  s.p25 = rank(25);
  s.p50 = rank(50);
  s.p75 = rank(75);
  s.p95 = rank(95);
  return s;
}

// Rows at a time for running-mode inference over large inputs (decision grids).
constexpr std::size_t kChunk = 1024;
constexpr std::size_t kProbeRows = 256;

}  // namespace

Trainer::Trainer(const TrainerConfig& config)
    : config_(validated(config)),
      data_(make_dataset(config.data)),
      model_(model_spec(config)),
      optimizer_(config.optimizer, config.lr),
      sampler_(make_sampler(config, data_)),
      train_ws_(model_.make_workspace(config.batch)),
      batch_x_(config.batch * 2),
      batch_labels_(config.batch),
      probe_rows_(std::min(kProbeRows, data_.train.size())),
      probe_ws_(model_.make_workspace(probe_rows_)) {
  Rng init = make_rng(config.seed, Stream::init);
  for (std::size_t l = 0; l < model_.depth(); ++l)
    initialize(model_.hidden(l).dense, config.init, config.init_scale, init);
  initialize(model_.output(), config.init, config.init_scale, init);
  model_.register_parameters(optimizer_);
}

StepMetrics Trainer::train_steps(std::size_t k) {
  if (k < 1) bad("steps", "an integer ≥ 1", std::to_string(k));
  if (diverged_) return last_;
  const std::size_t b = config_.batch;
  const std::size_t classes = data_.classes;
  double loss_sum = 0, acc_sum = 0;
  std::size_t done = 0;
  LossResult r;
  for (; done < k; ++done) {
    const std::span<const std::size_t> idx = sampler_.next();
    for (std::size_t i = 0; i < b; ++i) {
      batch_x_[2 * i] = data_.train.x[2 * idx[i]];
      batch_x_[2 * i + 1] = data_.train.x[2 * idx[i] + 1];
      batch_labels_[i] = data_.train.labels[idx[i]];
    }
    model_.forward(batch_x_, b, NormMode::train, train_ws_);
    const std::span<float> logits(train_ws_.logits.data(), b * classes);
    r = softmax_cross_entropy(logits, b, classes, batch_labels_, logits);
    if (!std::isfinite(r.loss)) {
      diverged_ = true;
      ++done;
      loss_sum += r.loss;
      break;
    }
    loss_sum += r.loss;
    acc_sum += double(r.correct) / double(b);
    model_.backward(batch_x_, b, logits, train_ws_);
    optimizer_.step();
    ++step_;
  }
  // A non-finite update shows up as a non-finite loss on the next step; checking the parameters
  // once per call catches it before the caller looks at predictions.
  if (!diverged_ && !model_.parameters_finite()) diverged_ = true;
  last_ = {step_, loss_sum / double(done), acc_sum / double(done), r.loss, diverged_};
  if (diverged_) last_.loss = last_.loss_last = std::numeric_limits<double>::quiet_NaN();
  return last_;
}

std::vector<float> Trainer::logits_of(std::span<const float> x, std::size_t n, NormMode mode,
                                      Mlp& model) {
  const std::size_t classes = data_.classes;
  std::vector<float> out(n * classes);
  if (mode == NormMode::batch) {
    Workspace ws = model.make_workspace(n);
    model.forward(x, n, mode, ws);
    std::copy_n(ws.logits.begin(), n * classes, out.begin());
    return out;
  }
  Workspace ws = model.make_workspace(std::min(n, kChunk));
  for (std::size_t r0 = 0; r0 < n; r0 += kChunk) {
    const std::size_t rows = std::min(kChunk, n - r0);
    model.forward(x.subspan(r0 * 2, rows * 2), rows, mode, ws);
    std::copy_n(ws.logits.begin(), rows * classes, out.begin() + std::ptrdiff_t(r0 * classes));
  }
  return out;
}

Evaluation Trainer::evaluate(SplitKind split, NormMode mode) {
  if (mode == NormMode::train) bad("mode", "eval (running) or batch", "train");
  const Split& s = split == SplitKind::train ? data_.train : data_.test;
  if (s.size() == 0)
    bad("split", "a split with points (testFraction > 0 for test)", "an empty split");
  std::vector<float> logits = logits_of(s.x, s.size(), mode, model_);
  const LossResult r = softmax_cross_entropy(logits, s.size(), data_.classes, s.labels, {});
  return {r.loss, double(r.correct) / double(s.size())};
}

void Trainer::forward_probe() {
  model_.forward(std::span<const float>(data_.train.x).first(probe_rows_ * 2), probe_rows_,
                 NormMode::batch, probe_ws_);
}

std::vector<LayerStats> Trainer::layer_stats() {
  forward_probe();
  std::vector<LayerStats> out;
  for (std::size_t l = 0; l < model_.depth(); ++l) {
    const std::size_t n = probe_rows_ * model_.hidden(l).dense.out();
    std::vector<float> z(probe_ws_.z[l].begin(), probe_ws_.z[l].begin() + std::ptrdiff_t(n));
    const std::vector<float>& act_src = model_.hidden(l).has_norm ? probe_ws_.u[l] : probe_ws_.z[l];
    std::vector<float> act(act_src.begin(), act_src.begin() + std::ptrdiff_t(n));
    out.push_back({summarize(z), summarize(act)});
  }
  return out;
}

LayerStats Trainer::unit_stats(std::size_t layer, std::size_t unit) {
  if (layer >= model_.depth())
    bad("layer", "a hidden layer index in [0, " + std::to_string(model_.depth() - 1) + "]",
        std::to_string(layer));
  const std::size_t w = model_.hidden(layer).dense.out();
  if (unit >= w)
    bad("unit", "a unit index in [0, " + std::to_string(w - 1) + "]", std::to_string(unit));
  forward_probe();
  const std::vector<float>& act_src =
      model_.hidden(layer).has_norm ? probe_ws_.u[layer] : probe_ws_.z[layer];
  std::vector<float> z(probe_rows_), act(probe_rows_);
  for (std::size_t r = 0; r < probe_rows_; ++r) {
    z[r] = probe_ws_.z[layer][r * w + unit];
    act[r] = act_src[r * w + unit];
  }
  return {summarize(z), summarize(act)};
}

std::vector<RunningStats> Trainer::running_stats() {
  std::vector<RunningStats> out;
  if (!config_.batch_norm) return out;
  // The statistics running_mean/var estimate: z's moments over the full train set, each earlier
  // BN normalizing with the full set's batch statistics.
  const std::size_t n = data_.train.size();
  Workspace ws = model_.make_workspace(n);
  model_.forward(data_.train.x, n, NormMode::batch, ws);
  for (std::size_t l = 0; l < model_.depth(); ++l) {
    const NormLayer& bn = model_.hidden(l).norm;
    const std::size_t w = model_.hidden(l).dense.out();
    RunningStats s{bn.running_mean, bn.running_var, std::vector<float>(w), std::vector<float>(w),
                   bn.batches_tracked};
    batch_moments(std::span<const float>(ws.z[l]).first(n * w), Shape::nc(n, w), s.true_mean,
                  s.true_var);
    const double unbias = n > 1 ? double(n) / double(n - 1) : 1.0;
    for (float& v : s.true_var) v = float(v * unbias);
    out.push_back(std::move(s));
  }
  return out;
}

FoldCheck Trainer::fold_check() {
  FoldCheck f;
  const Split& s = data_.test.size() > 0 ? data_.test : data_.train;
  f.points = s.size();
  if (!config_.batch_norm) return f;
  f.folded = true;
  Mlp folded = model_.folded();
  const std::vector<float> a = logits_of(s.x, s.size(), NormMode::running, model_);
  const std::vector<float> b = logits_of(s.x, s.size(), NormMode::running, folded);
  std::vector<float> pa(a.size()), pb(b.size());
  const std::size_t classes = data_.classes;
  softmax(a, s.size(), classes, pa);
  softmax(b, s.size(), classes, pb);
  std::size_t same = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    std::size_t ka = 0, kb = 0;
    for (std::size_t k = 0; k < classes; ++k) {
      const std::size_t j = i * classes + k;
      f.max_logit_diff = std::max(f.max_logit_diff, double(std::abs(a[j] - b[j])));
      f.max_abs_diff = std::max(f.max_abs_diff, double(std::abs(pa[j] - pb[j])));
      if (a[j] > a[i * classes + ka]) ka = k;
      if (b[j] > b[i * classes + kb]) kb = k;
    }
    same += ka == kb;
  }
  f.agreement = s.size() ? double(same) / double(s.size()) : 1.0;
  return f;
}

std::vector<float> Trainer::decision_grid(std::size_t w, std::size_t h, const Bounds& bounds) {
  if (w < 1 || w > 512) bad("w", "an integer in [1, 512]", std::to_string(w));
  if (h < 1 || h > 512) bad("h", "an integer in [1, 512]", std::to_string(h));
  if (!(bounds.x_max > bounds.x_min) || !(bounds.y_max > bounds.y_min))
    bad("bounds", "xMin < xMax and yMin < yMax",
        num(bounds.x_min) + ".." + num(bounds.x_max) + " × " + num(bounds.y_min) + ".." +
            num(bounds.y_max));
  std::vector<float> pts(w * h * 2);
  for (std::size_t j = 0; j < h; ++j)
    for (std::size_t i = 0; i < w; ++i) {
      pts[2 * (j * w + i)] =
          float(bounds.x_min + (double(i) + 0.5) * (bounds.x_max - bounds.x_min) / double(w));
      pts[2 * (j * w + i) + 1] =
          float(bounds.y_max - (double(j) + 0.5) * (bounds.y_max - bounds.y_min) / double(h));
    }
  std::vector<float> probs = logits_of(pts, w * h, bn_inference_, model_);
  softmax(probs, w * h, data_.classes, probs);
  return probs;
}

std::vector<float> Trainer::predict(float x, float y) {
  const float pt[2] = {x, y};
  std::vector<float> p = logits_of(pt, 1, bn_inference_, model_);
  softmax(p, 1, data_.classes, p);
  return p;
}

void Trainer::set_bn_inference(NormMode mode) {
  if (mode == NormMode::train) bad("mode", "running or batch", "train");
  bn_inference_ = mode;
}

void Trainer::set_learning_rate(float lr) {
  if (!(lr > 0) || !std::isfinite(lr)) bad("lr", "a finite number > 0", num(lr));
  optimizer_.set_learning_rate(lr);
}

}  // namespace simdnorm::nn

#include "nn/model_analytics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/validate.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/fold_batch_norm.hpp"
#include "nn/softmax_cross_entropy.hpp"
#include "simdnorm/functional.hpp"

namespace simdnorm::nn {
namespace {

[[noreturn]] void bad(std::string_view fn, const std::string& arg, const std::string& expected,
                      const std::string& given) {
  detail::fail(ErrorCode::range, fn, arg, expected, given);
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

// A hidden layer: the indices, in layer_outputs(), of its Linear's output z and of the
// activation's input (the BN's output when a BatchNorm1d follows the Linear).
struct Hidden {
  std::size_t z, act, width;
};

std::vector<Hidden> hidden_layers(Sequential& model) {
  std::vector<Hidden> out;
  std::size_t last_linear = 0;
  for (std::size_t i = 0; i < model.size(); ++i)
    if (model.layer(i).type() == "Linear") last_linear = i;
  for (std::size_t i = 0; i < last_linear; ++i) {
    if (model.layer(i).type() != "Linear") continue;
    const bool bn = model.layer(i + 1).type() == "BatchNorm1d";
    out.push_back({i + 1, bn ? i + 2 : i + 1, model.layer(i).output_shape().size()});
  }
  return out;
}

std::vector<std::vector<float>> probe_outputs(Sequential& model, const Dataset& data) {
  const std::size_t rows = std::min(kProbeRows, data.train.size());
  return layer_outputs(model, std::span<const float>(data.train.x).first(rows * 2), rows,
                       NormStats::batch);
}

std::vector<float> probabilities(Sequential& model, std::span<const float> x, std::size_t n,
                                 NormStats stats) {
  std::vector<float> p = infer(model, x, n, stats);
  softmax(p, n, model.output_shape().size(), p);
  return p;
}

}  // namespace

std::vector<LayerStats> layer_stats(Sequential& model, const Dataset& data) {
  std::vector<std::vector<float>> outputs = probe_outputs(model, data);
  std::vector<LayerStats> out;
  for (const Hidden& h : hidden_layers(model)) {
    std::vector<float> z = outputs[h.z], act = outputs[h.act];
    out.push_back({summarize(z), summarize(act)});
  }
  return out;
}

LayerStats unit_stats(Sequential& model, const Dataset& data, std::size_t layer, std::size_t unit) {
  const std::vector<Hidden> hidden = hidden_layers(model);
  if (layer >= hidden.size())
    bad("nn::unit_stats", "layer",
        "a hidden layer index in [0, " + std::to_string(hidden.size() - 1) + "]",
        std::to_string(layer));
  const Hidden& h = hidden[layer];
  if (unit >= h.width)
    bad("nn::unit_stats", "unit", "a unit index in [0, " + std::to_string(h.width - 1) + "]",
        std::to_string(unit));
  const std::vector<std::vector<float>> outputs = probe_outputs(model, data);
  const std::size_t rows = outputs[h.z].size() / h.width;
  std::vector<float> z(rows), act(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    z[r] = outputs[h.z][r * h.width + unit];
    act[r] = outputs[h.act][r * h.width + unit];
  }
  return {summarize(z), summarize(act)};
}

std::vector<RunningStats> running_stats(Sequential& model, const Dataset& data) {
  std::vector<RunningStats> out;
  const std::size_t n = data.train.size();
  std::vector<std::vector<float>> outputs;
  for (std::size_t i = 0; i < model.size(); ++i) {
    const auto* bn = dynamic_cast<const BatchNormLayer*>(&model.layer(i));
    if (!bn || !bn->options().track_running_stats) continue;
    if (outputs.empty()) outputs = layer_outputs(model, data.train.x, n, NormStats::batch);
    const std::size_t c = bn->options().num_features;
    RunningStats s{{bn->running_mean().begin(), bn->running_mean().end()},
                   {bn->running_var().begin(), bn->running_var().end()},
                   std::vector<float>(c),
                   std::vector<float>(c),
                   bn->num_batches_tracked()};
    batch_moments(outputs[i], Shape::ncl(n, c, bn->input_shape().size() / c), s.true_mean,
                  s.true_var);
    const double unbias = n > 1 ? double(n) / double(n - 1) : 1.0;
    for (float& v : s.true_var) v = float(v * unbias);
    out.push_back(std::move(s));
  }
  return out;
}

FoldCheck fold_check(Sequential& model, const Dataset& data) {
  FoldCheck f;
  const Split& s = data.test.size() > 0 ? data.test : data.train;
  f.points = s.size();
  bool has_bn = false;
  for (std::size_t i = 0; i < model.size(); ++i)
    has_bn = has_bn || model.layer(i).type() == "BatchNorm1d";
  if (!has_bn) return f;
  f.folded = true;
  Sequential folded = fold_batch_norm(model);
  const std::vector<float> a = infer(model, s.x, s.size(), NormStats::running);
  const std::vector<float> b = infer(folded, s.x, s.size(), NormStats::running);
  const std::size_t classes = model.output_shape().size();
  std::vector<float> pa(a.size()), pb(b.size());
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

std::vector<float> decision_grid(Sequential& model, std::size_t w, std::size_t h,
                                 const Bounds& bounds, NormStats stats) {
  const auto num = [](double v) { return std::to_string(v); };
  if (w < 1 || w > 512) bad("nn::decision_grid", "w", "an integer in [1, 512]", std::to_string(w));
  if (h < 1 || h > 512) bad("nn::decision_grid", "h", "an integer in [1, 512]", std::to_string(h));
  if (!(bounds.x_max > bounds.x_min) || !(bounds.y_max > bounds.y_min))
    bad("nn::decision_grid", "bounds", "xMin < xMax and yMin < yMax",
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
  return probabilities(model, pts, w * h, stats);
}

std::vector<float> predict(Sequential& model, float x, float y, NormStats stats) {
  const float pt[2] = {x, y};
  return probabilities(model, pt, 1, stats);
}

}  // namespace simdnorm::nn

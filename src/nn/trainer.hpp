#pragma once
// The toy-model trainer: a generated 2-D dataset, an MLP (optionally with BatchNorm), an
// optimizer and a seeded sampler, plus the measurements the web page shows. Same config ⇒ same
// run. Configs that differ only in batch_norm (or lr, optimizer, bn_momentum) are "twins": the
// same dense init and the same mini-batches.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/batch_sampler.hpp"
#include "nn/dataset.hpp"
#include "nn/initialization.hpp"
#include "nn/mlp.hpp"
#include "nn/optimizer.hpp"

namespace simdnorm::nn {

struct TrainerConfig {
  DatasetSpec data;
  std::vector<std::size_t> hidden = {32, 32};  // 1 … 8 layers of 1 … 512 units
  Activation activation = Activation::relu;
  InitRule init = InitRule::he;
  double init_scale = 1;  // > 0
  bool batch_norm = true;
  float bn_momentum = 0.1f;
  float bn_eps = 1e-5f;
  OptimizerKind optimizer = OptimizerKind::sgd;
  float lr = 0.1f;  // > 0
  std::size_t batch = 32;
  std::uint32_t seed = 1;
};

struct StepMetrics {
  std::uint64_t step = 0;
  double loss = 0;       // mean mini-batch loss over the steps of this call
  double accuracy = 0;   // mean mini-batch accuracy over the steps of this call
  double loss_last = 0;  // the last step's loss
  bool diverged = false;
};

struct Evaluation {
  double loss = 0, accuracy = 0;
};

struct Summary {
  double mean = 0, std = 0, p5 = 0, p25 = 0, p50 = 0, p75 = 0, p95 = 0;
};

struct LayerStats {
  Summary dense;  // z = dense output
  Summary act;    // the activation's input (BN(z) with BN, z without)
};

struct RunningStats {
  std::vector<float> mean, var;            // running_mean, running_var
  std::vector<float> true_mean, true_var;  // z over the whole train set (unbiased var)
  std::int64_t batches = 0;
};

struct FoldCheck {
  bool folded = false;
  double max_abs_diff = 0;    // probabilities
  double max_logit_diff = 0;  // logits
  double agreement = 1;       // fraction of identical argmax
  std::size_t points = 0;
};

enum class SplitKind { train, test };

class Trainer {
 public:
  // Validates everything (std::invalid_argument naming the field), builds data, model, sampler.
  explicit Trainer(const TrainerConfig& config);
  // The optimizer holds spans into the model: a Trainer stays where it was built.
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // k ≥ 1 optimizer steps. No allocation. Once diverged, further calls do nothing.
  StepMetrics train_steps(std::size_t k);

  // NormMode::running ("eval") or NormMode::batch (the whole split as one batch).
  Evaluation evaluate(SplitKind split, NormMode mode);

  std::vector<LayerStats> layer_stats();
  LayerStats unit_stats(std::size_t layer, std::size_t unit);
  std::vector<RunningStats> running_stats();
  FoldCheck fold_check();

  // Probabilities, [h, w, classes] with row 0 at y_max, in the bn_inference mode.
  std::vector<float> decision_grid(std::size_t w, std::size_t h, const Bounds& bounds);
  std::vector<float> predict(float x, float y);  // one point, batch of 1

  void set_bn_inference(NormMode mode);  // running | batch
  NormMode bn_inference() const { return bn_inference_; }
  void set_learning_rate(float lr);

  const TrainerConfig& config() const { return config_; }
  const Dataset& dataset() const { return data_; }
  const Mlp& model() const { return model_; }
  std::uint64_t step() const { return step_; }
  bool diverged() const { return diverged_; }
  std::size_t classes() const { return data_.classes; }

 private:
  // Logits of all rows of x (chunked for NormMode::running; one batch for NormMode::batch).
  std::vector<float> logits_of(std::span<const float> x, std::size_t n, NormMode mode, Mlp& model);
  // One forward of the probe batch in NormMode::batch; fills probe_ws_.
  void forward_probe();

  TrainerConfig config_;
  Dataset data_;
  Mlp model_;
  Optimizer optimizer_;
  BatchSampler sampler_;
  Workspace train_ws_;
  std::vector<float> batch_x_;
  std::vector<std::uint8_t> batch_labels_;
  std::size_t probe_rows_;
  Workspace probe_ws_;
  NormMode bn_inference_ = NormMode::running;
  std::uint64_t step_ = 0;
  bool diverged_ = false;
  StepMetrics last_{};
};

}  // namespace simdnorm::nn

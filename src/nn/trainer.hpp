#pragma once
// The toy-model trainer: a generated 2-D dataset, a fully connected Sequential (Linear →
// [BatchNorm1d] → activation per hidden layer, then a Linear to the classes), an optimizer and a
// seeded sampler. Same config ⇒ same run. Configs that differ only in batch_norm (or lr,
// optimizer, bn_momentum) are "twins": the same Linear init and the same mini-batches. What the
// page measures on the model lives in nn/model_analytics.hpp.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "nn/batch_sampler.hpp"
#include "nn/dataset.hpp"
#include "nn/inference.hpp"
#include "nn/initialization.hpp"
#include "nn/optim/optimizer.hpp"
#include "nn/sequential.hpp"

namespace simdnorm::nn {

// sgd: optim::SGD; momentum: optim::SGD with momentum 0.9; adam: optim::Adam (β 0.9, 0.999,
// ε 1e-8).
enum class OptimizerKind { sgd, momentum, adam };

// "sgd" | "momentum" | "adam"; throws std::invalid_argument otherwise.
OptimizerKind parse_optimizer(std::string_view name);
std::string_view to_string(OptimizerKind k);

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

// The model's layers for a config: linear, [batchNorm1d,] activation per hidden width, linear.
std::vector<LayerSpec> trainer_layers(const TrainerConfig& config, std::size_t classes);

struct StepMetrics {
  std::uint64_t step = 0;
  double loss = 0;       // mean mini-batch loss over the steps of this call
  double accuracy = 0;   // mean mini-batch accuracy over the steps of this call
  double loss_last = 0;  // the last step's loss
  bool diverged = false;
};

enum class SplitKind { train, test };

class Trainer {
 public:
  // Validates everything (std::invalid_argument naming the field), builds data, model, sampler.
  explicit Trainer(const TrainerConfig& config);
  // The optimizer holds spans into the model: a Trainer stays where it was built.
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // k ≥ 1 optimizer steps (Sequential::train_step). No allocation. Once diverged, further calls
  // do nothing.
  StepMetrics train_steps(std::size_t k);

  // Loss and accuracy of a split, BN with running statistics or the whole split as one batch.
  Evaluation evaluate(SplitKind split, NormStats stats);

  void set_learning_rate(float lr);

  const TrainerConfig& config() const { return config_; }
  const Dataset& dataset() const { return data_; }
  Sequential& model() { return model_; }
  std::uint64_t step() const { return step_; }
  bool diverged() const { return diverged_; }
  std::size_t classes() const { return data_.classes; }

 private:
  bool finite() const;

  TrainerConfig config_;
  Dataset data_;
  Sequential model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::vector<std::span<const float>> watched_;  // parameters and running statistics
  BatchSampler sampler_;
  std::vector<float> batch_x_;
  std::vector<std::int32_t> batch_labels_;
  std::uint64_t step_ = 0;
  bool diverged_ = false;
  StepMetrics last_{};
};

}  // namespace simdnorm::nn

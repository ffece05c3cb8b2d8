#pragma once
// A multilayer perceptron for classification: hidden layers dense → [BatchNorm] → activation,
// then a dense output layer (logits). Batch normalization is simdnorm's core (the free functions
// of functional.hpp on [n, width] = Shape::nc buffers this class owns), with PyTorch semantics.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "nn/activation.hpp"
#include "nn/dense.hpp"

namespace simdnorm::nn {

class Optimizer;

struct ModelSpec {
  std::size_t inputs = 2;
  std::vector<std::size_t> hidden = {32, 32};
  std::size_t classes = 3;
  Activation activation = Activation::relu;
  bool batch_norm = true;
  float bn_momentum = 0.1f;
  float bn_eps = 1e-5f;
};

// How BatchNorm layers normalize during a forward pass.
enum class NormMode {
  train,    // batch statistics; running statistics updated; saved for backward
  running,  // running statistics (eval mode)
  batch,    // batch statistics of this batch only, nothing updated (also defined for n = 1:
            // variance 0, every row normalizes to β)
};

struct NormLayer {
  std::vector<float> gamma, beta, dgamma, dbeta;
  std::vector<float> running_mean, running_var;
  std::int64_t batches_tracked = 0;
  std::vector<float> save_mean, save_invstd, batch_var;  // from the last train-mode forward
};

struct HiddenLayer {
  Dense dense;
  bool has_norm = false;
  NormLayer norm;
};

// Activations of one forward pass (and scratch for backward) for up to `rows` rows.
struct Workspace {
  std::size_t rows = 0;
  std::vector<std::vector<float>> z;  // dense outputs, per hidden layer [rows, width]
  std::vector<std::vector<float>> u;  // BN outputs (empty without BN)
  std::vector<std::vector<float>> a;  // activation outputs
  std::vector<float> logits;          // [rows, classes]
  std::vector<float> grad0, grad1;    // backward ping-pong, [rows, widest layer]
  std::vector<float> mean, var;       // batch-mode statistics, widest layer
};

class Mlp {
 public:
  // Weights zero; see initialization.hpp. Throws std::invalid_argument for empty widths etc.
  explicit Mlp(const ModelSpec& spec);

  const ModelSpec& spec() const { return spec_; }
  std::size_t depth() const { return hidden_.size(); }
  HiddenLayer& hidden(std::size_t l) { return hidden_[l]; }
  const HiddenLayer& hidden(std::size_t l) const { return hidden_[l]; }
  Dense& output() { return output_; }
  const Dense& output() const { return output_; }

  Workspace make_workspace(std::size_t rows) const;

  // Logits of n ≤ ws.rows rows of x ([n, inputs]) into ws.logits. No allocation. NormMode::train
  // mutates the BN layers (running stats, saved statistics) and needs n ≥ 2.
  void forward(std::span<const float> x, std::size_t n, NormMode mode, Workspace& ws);
  // Gradients of every parameter from ∂L/∂logits ([n, classes], may be ws.logits), after a
  // NormMode::train forward of the same x. No allocation.
  void backward(std::span<const float> x, std::size_t n, std::span<const float> dlogits,
                Workspace& ws);

  // Registers every parameter with its gradient, in a fixed order.
  void register_parameters(Optimizer& opt);
  bool parameters_finite() const;

  // A copy without BatchNorm whose dense layers absorb each BN's eval-mode transform
  // (simdnorm::fold_into_linear): its logits equal this model's NormMode::running logits.
  Mlp folded() const;

 private:
  ModelSpec spec_;
  std::vector<HiddenLayer> hidden_;
  Dense output_;
};

}  // namespace simdnorm::nn

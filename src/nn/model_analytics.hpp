#pragma once
// What the page measures on a trained fully connected classifier of the 2-D sets, outside the
// training loop: statistics of each hidden layer's pre-activations, running against true
// statistics, the effect of folding BN, decision grids and single predictions. Works on any
// Sequential of Linear → [BatchNorm1d] → activation blocks and a final Linear (the trainer's
// models); the "hidden layers" are the Linear layers before the last. Every function leaves the
// model as it was (nn/inference.hpp).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/dataset.hpp"
#include "nn/inference.hpp"
#include "nn/sequential.hpp"

namespace simdnorm::nn {

struct Summary {
  double mean = 0, std = 0, p5 = 0, p25 = 0, p50 = 0, p75 = 0, p95 = 0;
};

struct LayerStats {
  Summary dense;  // z = the Linear layer's output
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

// The probe batch: the first min(256, train size) training points, normalized with their own
// batch statistics (what the network computes on a training batch, without updating anything).
inline constexpr std::size_t kProbeRows = 256;

// Per hidden layer, over every unit and probe point.
std::vector<LayerStats> layer_stats(Sequential& model, const Dataset& data);
// One unit of one hidden layer over the probe points; throws std::invalid_argument naming
// `layer` or `unit` when out of range.
LayerStats unit_stats(Sequential& model, const Dataset& data, std::size_t layer, std::size_t unit);

// Per BatchNorm1d layer: its running statistics and the moments they estimate — its input over
// the whole train set, each earlier BN normalizing with the full set's batch statistics.
std::vector<RunningStats> running_stats(Sequential& model, const Dataset& data);

// Eval-mode predictions on the test split (the train split when there is none) of the model and
// of its folded copy (nn/fold_batch_norm.hpp); `folded` is false for a model without BN.
FoldCheck fold_check(Sequential& model, const Dataset& data);

// Class probabilities [h, w, classes] on a w × h grid of cell centres over `bounds`, row 0 at
// y_max; w, h in [1, 512]. Throws std::invalid_argument naming the bad argument.
std::vector<float> decision_grid(Sequential& model, std::size_t w, std::size_t h,
                                 const Bounds& bounds, NormStats stats);

// Class probabilities of one point, as a batch of one.
std::vector<float> predict(Sequential& model, float x, float y, NormStats stats);

}  // namespace simdnorm::nn

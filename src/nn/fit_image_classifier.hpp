#pragma once
// Trains a model of the zoo (model_zoo.hpp) on an image data set for a fixed number of steps and
// measures it on the whole test split in eval mode: the loop behind `simdnorm_train --model` and
// the learning-target tests, so the documented budgets are exactly what the tests run.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "nn/image_datasets.hpp"

namespace simdnorm::nn {

struct ImageTrainingOptions {
  std::string model = "cnn";        // a model_zoo name: cnn | mlp
  bool batch_norm = true;           // the BN twin or the plain one
  std::string optimizer = "adam";   // sgd | momentum (SGD, momentum 0.9) | adam
  float lr = 0.002f;                // the peak learning rate
  std::string schedule = "cosine";  // constant | cosine (lr · ½(1 + cos(π·t/steps)), t = 0…)
  std::size_t batch = 64;           // every step sees a full batch (BatchSampler)
  std::size_t steps = 1000;         // optimizer steps
  std::size_t train_limit = 0;      // use only the first N training images (0 = all)
  std::uint32_t seed = 1;           // parameters and batch order
};

struct ImageTrainingProgress {
  std::size_t step;  // steps done
  double loss;       // mean batch loss since the last report
  double accuracy;   // batch accuracy since the last report (train mode)
  double seconds;    // since the first step
};

struct ImageTrainingResult {
  std::size_t steps = 0;
  double seconds = 0;        // training only (not the evaluation)
  double test_loss = 0;      // mean cross-entropy over the whole test split, eval mode
  double test_accuracy = 0;  // fraction of the test split classified right, eval mode
};

// Throws simdnorm::Error naming the first bad option (model, optimizer, lr, schedule, batch,
// steps): what fit_image_classifier checks before it needs the data.
void check_image_training_options(const ImageTrainingOptions& options);

// `data` as loaded (pixels in [0, 1]): each batch is normalized with the set's mean/std
// (transforms.Normalize) as it is gathered. Calls `progress` every `every` steps and after the
// last. Throws simdnorm::Error for bad options, naming the option.
ImageTrainingResult fit_image_classifier(
    const ImageDataset& data, const ImageTrainingOptions& options, std::size_t every = 100,
    const std::function<void(const ImageTrainingProgress&)>& progress = {});

}  // namespace simdnorm::nn

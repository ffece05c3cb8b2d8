// simdnorm_train: the trainer from the command line, with the flags of `npm run train`.
//   simdnorm_train --dataset spiral --bn --steps 2000 --lr 0.1
// --trace prints one JSON object (per-step losses, final metrics) for cross-checks with wasm.
// With --model, the layer engine trains a named model on image data (cli/image_training.hpp):
//   simdnorm_train --model cnn --dataset fashion-mnist --epochs 1

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

#include "nn/cli/image_training.hpp"
#include "nn/trainer.hpp"
#include "simdnorm/isa.hpp"

namespace {

using namespace simdnorm::nn;

struct Args {
  TrainerConfig config;
  std::size_t steps = 2000;
  std::size_t every = 200;
  bool trace = false;
  bool help = false;
};

constexpr const char* kUsage = R"(usage: simdnorm_train [flags]   (the flags of `npm run train`)
  --dataset spiral|circles|moons|xor|blobs   --points N  --classes N  --noise P
  --test-fraction F  --data-seed N
  --hidden W1,W2,...  --activation relu|tanh|sigmoid  --init auto|he|xavier  --init-scale S
  --bn | --no-bn  --bn-momentum M
  --optimizer sgd|momentum|adam  --lr LR  --batch B  --seed N
  --steps N  --every N (progress interval)  --trace (per-step losses as JSON)
   or: simdnorm_train --model cnn|mlp --dataset fashion-mnist|mnist ...   (--model --help)
SIMDNORM_ISA=<name> forces the kernels; this machine has:)";

double number(std::string_view flag, const char* v) {
  char* end = nullptr;
  const double d = std::strtod(v, &end);
  if (end == v || *end)
    throw std::invalid_argument(std::string(flag) + ": expected a number, got \"" + v + "\"");
  return d;
}

std::vector<std::size_t> widths(const char* v) {
  std::vector<std::size_t> out;
  std::string s(v);
  for (std::size_t p = 0; p <= s.size();) {
    const std::size_t q = std::min(s.find(',', p), s.size());
    out.push_back(std::size_t(number("--hidden", s.substr(p, q - p).c_str())));
    p = q + 1;
  }
  return out;
}

Args parse(int argc, char** argv) {
  Args a;
  TrainerConfig& c = a.config;
  std::string init = "auto";
  for (int i = 1; i < argc; ++i) {
    const std::string_view f = argv[i];
    if (f == "--bn") {
      c.batch_norm = true;
      continue;
    }
    if (f == "--no-bn") {
      c.batch_norm = false;
      continue;
    }
    if (f == "--trace") {
      a.trace = true;
      continue;
    }
    if (f == "--help" || f == "-h") {
      a.help = true;
      continue;
    }
    if (i + 1 >= argc)
      throw std::invalid_argument(std::string(f) + ": expected a value or unknown flag");
    const char* v = argv[++i];
    if (f == "--dataset")
      c.data.kind = parse_dataset_kind(v);
    else if (f == "--points")
      c.data.points = std::size_t(number(f, v));
    else if (f == "--classes")
      c.data.classes = std::size_t(number(f, v));
    else if (f == "--noise")
      c.data.label_noise = number(f, v);
    else if (f == "--test-fraction")
      c.data.test_fraction = number(f, v);
    else if (f == "--data-seed")
      c.data.seed = std::uint32_t(number(f, v));
    else if (f == "--hidden")
      c.hidden = widths(v);
    else if (f == "--activation")
      c.activation = parse_activation(v);
    else if (f == "--init")
      init = v;
    else if (f == "--init-scale")
      c.init_scale = number(f, v);
    else if (f == "--bn-momentum")
      c.bn_momentum = float(number(f, v));
    else if (f == "--optimizer")
      c.optimizer = parse_optimizer(v);
    else if (f == "--lr")
      c.lr = float(number(f, v));
    else if (f == "--batch")
      c.batch = std::size_t(number(f, v));
    else if (f == "--seed")
      c.seed = std::uint32_t(number(f, v));
    else if (f == "--steps")
      a.steps = std::size_t(number(f, v));
    else if (f == "--every")
      a.every = std::size_t(number(f, v));
    else
      throw std::invalid_argument("unknown flag " + std::string(f));
  }
  c.init = parse_init_rule(init, c.activation);
  return a;
}

int run(const Args& a) {
  if (a.help) {
    std::fputs(kUsage, stdout);
    for (std::string_view isa : simdnorm::available_isas())
      std::printf(" %.*s", int(isa.size()), isa.data());
    std::printf("\n");
    return 0;
  }
  Trainer t(a.config);
  if (a.trace) {
    std::printf("{\"isa\":\"%s\",\"losses\":[", std::string(simdnorm::active_isa()).c_str());
    for (std::size_t s = 0; s < a.steps; ++s)
      std::printf("%s%.9g", s ? "," : "", t.train_steps(1).loss_last);
  } else {
    std::printf("simdnorm_train: %s, %s, isa %s\n",
                std::string(to_string(a.config.data.kind)).c_str(),
                a.config.batch_norm ? "BatchNorm" : "no BatchNorm",
                std::string(simdnorm::active_isa()).c_str());
    for (std::size_t done = 0; done < a.steps;) {
      const std::size_t k = std::min(a.every, a.steps - done);
      const StepMetrics m = t.train_steps(k);
      done += k;
      std::printf("step %6llu  loss %.4f  batch acc %.3f%s\n", (unsigned long long)m.step, m.loss,
                  m.accuracy, m.diverged ? "  DIVERGED" : "");
      if (m.diverged) break;
    }
  }
  const Evaluation tr = t.evaluate(SplitKind::train, NormStats::running);
  const bool has_test = !t.dataset().test.labels.empty();
  const Evaluation te = has_test ? t.evaluate(SplitKind::test, NormStats::running) : Evaluation{};
  if (a.trace) {
    std::printf(
        "],\"trainLoss\":%.9g,\"trainAccuracy\":%.9g,\"testLoss\":%.9g,\"testAccuracy\":%.9g}\n",
        tr.loss, tr.accuracy, te.loss, te.accuracy);
  } else {
    std::printf("final: train loss %.4f acc %.3f | test loss %.4f acc %.3f | diverged %s\n",
                tr.loss, tr.accuracy, te.loss, te.accuracy, t.diverged() ? "yes" : "no");
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    for (int i = 1; i < argc; ++i)
      if (std::string_view(argv[i]) == "--model")
        return simdnorm::nn::cli::run_image_training(argc, argv);
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "simdnorm_train: %s\n", e.what());
    return 2;
  }
}

// Data-parallel training with SyncBatchNorm over MPI, checked against the same training in one
// process. Every rank holds the same model (same seed) and draws the same global batch; rank r
// trains on its contiguous share of it (sizes differ by one when the ranks do not divide it).
// Per step: forward with the BatchNorm layers synced (their statistics span all ranks), the
// loss gradient scaled to the global batch (each rank's loss is a mean over its share: ×n_r/B),
// backward, every parameter gradient summed over the ranks (MPI_Allreduce), the optimizer step.
// Rank 0 also trains a single-process copy on the whole batch and compares at the end.
//
//   mpirun -np 4 build/src/mpi/simdnorm_mpi_train [steps]
//
// Exits 1 if the data-parallel model is not the single-process one within 1e-3 of each tensor's
// largest |value| (the two differ only by float rounding — the merged BN statistics and the
// gradient sums — 1.5e-6 after 100 steps on 3 ranks; 0 on 1 rank); without the sync each BN
// layer sees only its rank's share and the models differ by 0.8), or if the ranks' models are not
// bit-identical.

#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "mpi/mpi_batch_norm_sync.hpp"
#include "nn/batch_norm_layer.hpp"
#include "nn/batch_sampler.hpp"
#include "nn/dataset.hpp"
#include "nn/optim/sgd.hpp"
#include "nn/sequential.hpp"
#include "nn/softmax_cross_entropy.hpp"

namespace {

using namespace simdnorm::nn;

const std::vector<LayerSpec> kModel = {
    {"linear", {{"inFeatures", 2}, {"outFeatures", 32}}},
    {"batchNorm1d", {{"numFeatures", 32}}},
    {"relu", {}},
    {"linear", {{"inFeatures", 32}, {"outFeatures", 32}}},
    {"batchNorm1d", {{"numFeatures", 32}}},
    {"relu", {}},
    {"linear", {{"inFeatures", 32}, {"outFeatures", 3}}},
};
constexpr std::size_t kBatch = 64, kClasses = 3;
constexpr optim::SGDOptions kSgd{0.1f, 0.9f};

// Sum of every parameter gradient over the ranks, in double (one message for all of them).
void all_reduce_grads(std::vector<Parameter>& params, std::vector<double>& buffer) {
  std::size_t at = 0;
  for (const Parameter& p : params)
    for (float g : p.grad) buffer[at++] = g;
  MPI_Allreduce(MPI_IN_PLACE, buffer.data(), int(at), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  at = 0;
  for (Parameter& p : params)
    for (float& g : p.grad) g = float(buffer[at++]);
}

// Largest |a − b| over the largest |b| of each state-dict tensor; the worst one.
double worst_difference(const StateDict& a, const StateDict& b, std::string& where) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    double largest = 0, diff = 0;
    for (std::size_t j = 0; j < a[i].second.values.size(); ++j) {
      largest = std::max(largest, std::abs(double(b[i].second.values[j])));
      diff = std::max(diff, std::abs(double(a[i].second.values[j]) - b[i].second.values[j]));
    }
    const double relative = largest > 0 ? diff / largest : diff;
    if (relative >= worst) {
      worst = relative;
      where = a[i].first;
    }
  }
  return worst;
}

// Whether every rank's state dict equals rank 0's, bit for bit.
bool identical_on_every_rank(const StateDict& state) {
  std::vector<float> mine;
  for (const auto& [name, tensor] : state)
    mine.insert(mine.end(), tensor.values.begin(), tensor.values.end());
  std::vector<float> first = mine;
  MPI_Bcast(first.data(), int(first.size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
  int same = std::memcmp(first.data(), mine.data(), mine.size() * sizeof(float)) == 0, all = 0;
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}

double accuracy(Sequential& model, const Split& test) {
  model.eval();
  const std::span<const float> logits = model.forward(test.x);
  const LossResult r = softmax_cross_entropy(logits, test.size(), kClasses, test.labels, {});
  model.train();
  return double(r.correct) / double(test.size());
}

int run(int argc, char** argv) {
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  const std::size_t steps = argc > 1 ? std::stoul(argv[1]) : 100;
  const std::size_t k = std::size_t(ranks), me = std::size_t(rank);
  if (k > kBatch / 2)
    throw std::invalid_argument("at most " + std::to_string(kBatch / 2) + " ranks");
  const std::size_t share = kBatch / k + (me < kBatch % k ? 1 : 0);
  const std::size_t first = me * (kBatch / k) + std::min(me, kBatch % k);

  const Dataset data = make_dataset({DatasetKind::spiral, 1200, kClasses, 0.0, 0.25, 1});
  Sequential model(kModel, {{2}, share, 1});
  const auto sync = std::make_shared<simdnorm::mpi::MpiBatchNormSync>(MPI_COMM_WORLD);
  for (std::size_t i = 0; i < model.size(); ++i)
    if (auto* bn = dynamic_cast<BatchNormLayer*>(&model.layer(i))) bn->set_sync(sync);
  std::vector<Parameter> params = model.parameters();
  optim::SGD sgd(params, kSgd);
  std::size_t floats = 0;
  for (const Parameter& p : params) floats += p.grad.size();
  std::vector<double> grad_buffer(floats);

  // Rank 0's reference: the same model, trained on the whole batch in one process.
  std::unique_ptr<Sequential> single;
  std::unique_ptr<optim::SGD> single_sgd;
  if (rank == 0) {
    single = std::make_unique<Sequential>(kModel, SequentialOptions{{2}, kBatch, 1});
    single_sgd = std::make_unique<optim::SGD>(single->parameters(), kSgd);
  }

  BatchSampler sampler(data.train.size(), kBatch, 7);
  std::vector<float> x(kBatch * 2), dlogits(share * kClasses);
  std::vector<std::uint8_t> labels(kBatch);
  std::vector<std::int32_t> labels32(kBatch);
  for (std::size_t step = 1; step <= steps; ++step) {
    const std::span<const std::size_t> batch = sampler.next();
    for (std::size_t i = 0; i < kBatch; ++i) {
      x[2 * i] = data.train.x[2 * batch[i]];
      x[2 * i + 1] = data.train.x[2 * batch[i] + 1];
      labels[i] = data.train.labels[batch[i]];
      labels32[i] = labels[i];
    }
    const std::span<const float> logits = model.forward(std::span(x).subspan(2 * first, 2 * share));
    const LossResult r = softmax_cross_entropy(logits, share, kClasses,
                                               std::span(labels).subspan(first, share), dlogits);
    for (float& g : dlogits) g *= float(double(share) / double(kBatch));
    model.backward(dlogits);
    all_reduce_grads(params, grad_buffer);
    sgd.step();

    double loss = r.loss * double(share) / double(kBatch);
    MPI_Allreduce(MPI_IN_PLACE, &loss, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) {
      const TrainStepResult s = single->train_step(x, labels32, *single_sgd);
      if (step % 20 == 0 || step == 1)
        std::printf("step %3zu  loss: %d ranks %.6f, one process %.6f\n", step, ranks, loss,
                    s.loss);
    }
  }

  const bool identical = identical_on_every_rank(model.state_dict());
  const double acc = accuracy(model, data.test);
  if (rank != 0) return identical ? 0 : 1;
  std::string where;
  const double worst = worst_difference(model.state_dict(), single->state_dict(), where);
  std::printf("test accuracy: %d ranks %.4f, one process %.4f\n", ranks, acc,
              accuracy(*single, data.test));
  std::printf(
      "state dict vs one process: worst difference %.3g of the tensor's largest |value| "
      "(%s)\n",
      worst, where.c_str());
  std::printf("models on every rank bit-identical: %s\n", identical ? "yes" : "no");
  const bool ok = identical && worst <= 1e-3;
  std::printf("%s\n", ok ? "OK: data-parallel training matches one process"
                         : "FAILED: data-parallel training differs from one process");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int status = 1;
  try {
    status = run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "simdnorm_mpi_train: %s\n", e.what());
  }
  int worst = 0;
  MPI_Allreduce(&status, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Finalize();
  return worst;
}

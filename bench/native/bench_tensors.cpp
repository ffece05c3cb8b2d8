// Shapes, traffic model and the shared tensor pool of the native benchmarks.

#include "bench_tensors.hpp"

#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <new>
#include <random>

namespace simdnorm::bench {

Shape BenchShape::shape() const {
  const std::string l = layout;
  if (l == "nhwc") return Shape::nhwc(n, h, w, c);
  return Shape::nchw(n, c, h, w);  // "nc" is NCHW with H = W = 1
}

std::span<const BenchShape> bench_shapes() {
  static constexpr std::array<BenchShape, 5> shapes{{
      {"S1", "nchw", 32, 64, 32, 32},
      {"S2", "nc", 256, 1024, 1, 1},
      {"S3", "nchw", 8, 32, 8, 8},
      {"S4", "nhwc", 16, 64, 56, 56},
      {"S5", "nchw", 64, 64, 64, 64},
  }};
  return shapes;
}

const char* op_name(Op op) {
  switch (op) {
    case Op::infer:
      return "infer";
    case Op::train_fwd:
      return "train_fwd";
    case Op::bwd:
      return "bwd";
    case Op::train_fwd_relu:
      return "train_fwd_relu";
    case Op::fwd_bwd:
      return "fwd_bwd";
  }
  return "?";
}

int op_streams(Op op) {
  switch (op) {
    case Op::infer:
      return 2;
    case Op::train_fwd:
    case Op::train_fwd_relu:
      return 3;
    case Op::bwd:
      return 5;
    case Op::fwd_bwd:
      return 8;
  }
  return 0;
}

AlignedFloats aligned_floats(std::size_t count, std::size_t offset_bytes) {
  // 64-byte alignment, as framework tensors have: AVX-512 loads then never split cache lines.
  const std::size_t bytes = (count * sizeof(float) + offset_bytes + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes ? bytes : 64);
  if (!p) throw std::bad_alloc();
  AlignedFloats a;
  a.ptr = {static_cast<float*>(p), std::free};
  a.size = count;
  a.offset = offset_bytes / sizeof(float);
  return a;
}

namespace {

Tensors make_tensors(const BenchShape& s) {
  const std::size_t numel = s.n * s.c * s.h * s.w;
  std::mt19937 rng(20261105u + s.c);  // fixed seed per shape
  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
  Tensors t;
  for (AlignedFloats* a : {&t.x, &t.dy, &t.y, &t.dx, &t.copy_dst})
    *a = aligned_floats(numel, s.offset_bytes);
  // x: per-element N(0, 1) shifted by a per-position offset, so statistics are non-trivial.
  for (std::size_t i = 0; i < numel; ++i) t.x.data()[i] = 0.5f + 2.f * normal(rng);
  for (std::size_t i = 0; i < numel; ++i) t.dy.data()[i] = normal(rng);
  std::memset(t.y.data(), 0, numel * sizeof(float));
  std::memset(t.dx.data(), 0, numel * sizeof(float));
  std::memset(t.copy_dst.data(), 0, numel * sizeof(float));
  for (std::size_t c = 0; c < s.c; ++c) {
    t.weight.push_back(uniform(rng));
    t.bias.push_back(normal(rng) * 0.1f);
    t.running_mean.push_back(0.5f + 0.1f * normal(rng));
    t.running_var.push_back(4.f * uniform(rng));
  }
  for (std::vector<float>* v : {&t.save_mean, &t.save_invstd, &t.batch_var, &t.dweight, &t.dbias})
    v->assign(s.c, 0.f);
  return t;
}

std::map<std::string, Tensors>& pool() {
  static std::map<std::string, Tensors> tensors;
  return tensors;
}

}  // namespace

Tensors& tensors_for(const BenchShape& s) {
  auto it = pool().find(s.id);
  if (it == pool().end()) it = pool().emplace(s.id, make_tensors(s)).first;
  return it->second;
}

void release_tensors(const BenchShape& s) {
  pool().erase(s.id);
}

double copy_seconds(const BenchShape& s) {
  using clock = std::chrono::steady_clock;
  Tensors& t = tensors_for(s);
  const std::size_t bytes = s.bytes();
  std::memcpy(t.copy_dst.data(), t.x.data(), bytes);  // warm: page faults, cache state
  const auto start = clock::now();
  std::size_t calls = 0;
  std::chrono::duration<double> elapsed{};
  do {
    std::memcpy(t.copy_dst.data(), t.x.data(), bytes);
    benchmark::ClobberMemory();
    ++calls;
    elapsed = clock::now() - start;
  } while (calls < 3 || elapsed.count() < 0.01);
  return elapsed.count() / double(calls);
}

void set_bytes_processed(benchmark::State& state, const BenchShape& s, Op op) {
  const double traffic = double(op_streams(op)) * double(s.bytes());
  state.SetBytesProcessed(std::int64_t(traffic) * state.iterations());
}

void set_traffic_counters(benchmark::State& state, const BenchShape& s, Op op, double copy_s) {
  set_bytes_processed(state, s, op);
  // (traffic / t_op) / (2·bytes / t_copy) · 100, written as a per-iteration value that Google
  // Benchmark divides by the op's time per iteration.
  state.counters["pct_of_copy"] = benchmark::Counter(100.0 * double(op_streams(op)) * copy_s / 2.0,
                                                     benchmark::Counter::kIsIterationInvariantRate);
}

std::string bench_name(Op op, const std::string& impl, const std::string& layout,
                       const BenchShape& s) {
  return std::string(op_name(op)) + "/" + impl + "/" + layout + "/" + s.id;
}

}  // namespace simdnorm::bench

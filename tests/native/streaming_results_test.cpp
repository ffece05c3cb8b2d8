// Where results reach memory never changes their bits. Streaming stores: every functional entry
// point under a tuning that streams every output equals the same calls with plain stores, bit for
// bit, with nothing written outside the outputs, on every SIMD ISA, on one thread and on three.
// Placement: the same calls on tensors placed 1, 4, 8, 12 and 15 floats past a cache line equal
// them on a line (rows of channels off a line are walked as one flat array, src/kernels/lanes.hpp:
// flat_rows_head).
// The shapes sit on the edges of the streamed walks: channels-first runs shorter than the vector
// (plain stores), of one vector and one float more, just below, at and above kMinStreamedRun
// (spans of runs, then run by run), NC, rows of channels (streamed only when C is a multiple of
// the lanes; walked flat off a line when C also fits one chunk of tables) and wide rows, of one
// chunk of channels and of two.

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "functional_outputs.hpp"
#include "guarded_buffer.hpp"
#include "isa_scope.hpp"
#include "kernels/tuning.hpp"
#include "piece_floats.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"
#include "thread_count.hpp"
#include "tuning_scope.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::Layout;

// This machine's constants with streaming stores for every output, or for none.
simdnorm::kernels::Tuning streaming_from(std::size_t bytes) {
  simdnorm::kernels::Tuning t = simdnorm::kernels::tuning();
  t.streaming_bytes = t.threaded_streaming_bytes = bytes;
  return t;
}

std::vector<Shape> edge_shapes() {
  std::vector<Shape> v;
  // Runs of S floats: below, at and above 4, 8 and 16 lanes; around kMinStreamedRun = 256.
  for (std::size_t s : {3, 4, 5, 8, 9, 15, 16, 17, 33, 255, 256, 257})
    v.push_back({2, 3, s, Layout::ChannelsFirst});
  v.push_back({5, 35, 1, Layout::ChannelsFirst});   // NC
  v.push_back({3, 96, 1, Layout::ChannelsFirst});   // NC, wide rows
  v.push_back({3, 16, 5, Layout::ChannelsLast});    // rows of one AVX-512 vector
  v.push_back({3, 48, 5, Layout::ChannelsLast});    // rows of a multiple of every ISA's lanes
  v.push_back({3, 20, 5, Layout::ChannelsLast});    // … of a multiple of 4 lanes only
  v.push_back({2, 1024, 3, Layout::ChannelsLast});  // wide rows of one whole chunk (Zen, Intel)
  v.push_back({2, 1040, 3, Layout::ChannelsLast});  // wide rows: chunks of 1024 and 16 channels
  v.push_back({2, 1030, 3, Layout::ChannelsLast});  // … of a multiple of 2 lanes only
  return v;
}

// The outputs of every functional entry point and of BatchNorm's forward/backward and add + ReLU,
// the same inputs whatever the placement; every tensor `misalign` floats past a 64-byte boundary,
// the outputs' guards checked.
std::vector<float> outputs(const Shape& s, std::size_t misalign) {
  RandomBatch rng(unsigned(s.numel()));
  const auto placed = [&](const std::vector<float>& v) {
    GuardedBuffer b(v.size(), misalign);
    b.assign(v);
    return b;
  };
  const GuardedBuffer x = placed(rng.input(s)), dy = placed(rng.normal(s.numel())),
                      z = placed(rng.normal(s.numel()));
  const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
  const std::vector<float> rmean = rng.uniform_vector(s.c, -1, 1);
  const std::vector<float> rvar = rng.uniform_vector(s.c, 0.5, 2);
  GuardedBuffer y(s.numel(), misalign), dx(s.numel(), misalign), dz(s.numel(), misalign);
  std::vector<float> a(s.c), b(s.c), d(s.c), e(s.c), f(s.c), out;
  append_functional_outputs(s,
                            {x.cspan(), dy.cspan(), z.cspan(), gamma, beta, rmean, rvar, y.span(),
                             dx.span(), dz.span(), a, b, d, e, f},
                            out);
  // The module keeps its own copy of x, as far from the alignment as y (core/saved_input.hpp).
  simdnorm::BatchNorm bn(s.c);
  bn.forward(x.cspan(), s, y.span());
  bn.backward(dy.cspan(), dx.span());
  append(out, y.cspan()), append(out, dx.cspan()), append(out, bn.weight_grad());
  append(out, bn.bias_grad()), append(out, bn.running_mean()), append(out, bn.running_var());
  bn.forward_add_relu(x.cspan(), z.cspan(), s, y.span());
  bn.backward_add_relu(dy.cspan(), dx.span(), dz.span());
  append(out, y.cspan()), append(out, dx.cspan()), append(out, dz.cspan());
  EXPECT_TRUE(y.guards_intact() && dx.guards_intact() && dz.guards_intact())
      << "a store outside the outputs";
  return out;
}

// The first float where two runs' outputs differ in bits, or nothing.
std::string first_difference(const std::vector<float>& expected, const std::vector<float>& got) {
  if (got.size() != expected.size()) return "different output counts";
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (std::memcmp(&expected[i], &got[i], sizeof(float)) != 0)
      return "output float " + std::to_string(i) + " of " + std::to_string(expected.size()) +
             " is " + std::to_string(got[i]) + ", expected " + std::to_string(expected[i]);
  return {};
}

class StreamingResults : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }
  IsaScope restore_;
};

TEST_P(StreamingResults, SameBitsAsPlainStores) {
  if (GetParam() == "scalar") GTEST_SKIP() << "no streaming stores in the scalar reference";
  for (const Shape& s : edge_shapes()) {
    for (const std::size_t misalign : {0, 1, 4, 5, 8}) {
      SCOPED_TRACE(simdnorm::to_string(s) + ", outputs " + std::to_string(misalign) +
                   " floats past the alignment, ISA " + GetParam());
      // One thread, and three sharing these small tensors in small pieces; the plain run is on
      // one thread with the same pieces (the partition fixes the bits, not the thread count).
      for (const auto [threads, piece] : {std::pair<std::size_t, std::size_t>{1, 0}, {3, 48}}) {
        const PieceFloats pieces(piece);
        std::vector<float> plain, streamed;
        {
          const TuningScope never(streaming_from(std::numeric_limits<std::size_t>::max()));
          const ThreadCount one(1);
          plain = outputs(s, misalign);
        }
        {
          const TuningScope always(streaming_from(0));
          const ThreadCount count(threads);
          streamed = outputs(s, misalign);
        }
        const std::string difference = first_difference(plain, streamed);
        ASSERT_TRUE(difference.empty()) << threads << " thread(s), streamed: " << difference;
      }
    }
  }
}

TEST_P(StreamingResults, SameBitsOffALine) {
  for (const Shape& s : edge_shapes()) {
    for (const std::size_t streaming : {std::numeric_limits<std::size_t>::max(), std::size_t(0)}) {
      const TuningScope scope(streaming_from(streaming));
      // One thread, and three on small pieces, each as far off the line as the tensor (the
      // partition fixes the bits, so the tensor on a line is cut the same way).
      for (const auto [threads, piece] : {std::pair<std::size_t, std::size_t>{1, 0}, {3, 48}}) {
        const PieceFloats pieces(piece);
        const ThreadCount count(threads);
        const std::vector<float> on_line = outputs(s, 0);
        // Heads of 15, 12, 8, 4 and 1 floats: off every ISA's vector alignment, on SSE2's and
        // AVX2's but off a line, and the shortest.
        for (const std::size_t misalign : {1, 4, 8, 12, 15}) {
          SCOPED_TRACE(simdnorm::to_string(s) + ", tensors " + std::to_string(misalign) +
                       " floats past a line, ISA " + GetParam() + ", " + std::to_string(threads) +
                       " thread(s)" + (streaming ? ", plain stores" : ", streaming stores"));
          const std::string difference = first_difference(on_line, outputs(s, misalign));
          ASSERT_TRUE(difference.empty()) << difference;
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, StreamingResults, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test

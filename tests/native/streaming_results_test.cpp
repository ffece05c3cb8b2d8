// Streaming stores change how results reach memory, never their bits: every functional entry
// point under a tuning that streams every output equals the same calls with plain stores, bit for
// bit, with nothing written outside the outputs, on every SIMD ISA, on one thread and on three.
// The shapes sit on the edges of the streamed walks (src/kernels/lanes.hpp): channels-first runs
// shorter than the vector (plain stores), of one vector and one float more, just below, at and
// above kMinStreamedRun (spans of runs, then run by run), NC, rows of channels (streamed only
// when C is a multiple of the lanes) and wide rows; outputs on and off the vector alignment.

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
  v.push_back({3, 5, 48, Layout::ChannelsLast});    // rows of a multiple of every ISA's lanes
  v.push_back({3, 5, 20, Layout::ChannelsLast});    // … of a multiple of 4 lanes only
  v.push_back({2, 3, 1040, Layout::ChannelsLast});  // wide rows
  return v;
}

// Every functional entry point's outputs; the tensor outputs `misalign` floats past a 64-byte
// boundary, their guards checked.
std::vector<float> outputs(const Shape& s, std::size_t misalign) {
  RandomBatch rng(unsigned(s.numel() + misalign));
  const std::vector<float> x = rng.input(s), dy = rng.normal(s.numel()), z = rng.normal(s.numel());
  const std::vector<float> gamma = rng.weight(s.c), beta = rng.uniform_vector(s.c, -1, 1);
  const std::vector<float> rmean = rng.uniform_vector(s.c, -1, 1);
  const std::vector<float> rvar = rng.uniform_vector(s.c, 0.5, 2);
  GuardedBuffer y(s.numel(), misalign), dx(s.numel(), misalign), dz(s.numel(), misalign);
  std::vector<float> a(s.c), b(s.c), d(s.c), e(s.c), f(s.c), out;
  append_functional_outputs(
      s, {x, dy, z, gamma, beta, rmean, rvar, y.span(), dx.span(), dz.span(), a, b, d, e, f}, out);
  EXPECT_TRUE(y.guards_intact() && dx.guards_intact() && dz.guards_intact())
      << "a store outside the outputs";
  return out;
}

class StreamingResults : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }
  IsaScope restore_;
};

TEST_P(StreamingResults, SameBitsAsPlainStores) {
  if (GetParam() == "scalar") GTEST_SKIP() << "no streaming stores in the scalar reference";
  for (const Shape& s : edge_shapes()) {
    for (const std::size_t misalign : {0, 1, 5}) {
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
        ASSERT_EQ(streamed.size(), plain.size());
        for (std::size_t i = 0; i < plain.size(); ++i)
          if (std::memcmp(&plain[i], &streamed[i], sizeof(float)) != 0)
            FAIL() << threads << " thread(s), streamed: output float " << i << " of "
                   << plain.size() << " is " << streamed[i] << ", with plain stores " << plain[i];
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Isas, StreamingResults, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test

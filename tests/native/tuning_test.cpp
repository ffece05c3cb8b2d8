// The kernels' tuning constants follow the cache sizes they are derived from (src/core/tuning.cpp)
// and stay inside the bounds the kernels' error analysis and stack arrays assume.

#include "kernels/tuning.hpp"

#include <gtest/gtest.h>

#include "core/cache_sizes.hpp"
#include "core/tuning_override.hpp"
#include "tuning_scope.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::detail::CacheSizes;
using simdnorm::detail::derive_tuning;
using simdnorm::kernels::kMaxBlockFloats;
using simdnorm::kernels::kMaxRowChunk;
using simdnorm::kernels::Tuning;

constexpr std::size_t KiB = 1024, MiB = 1024 * KiB;

void expect_within_bounds(const Tuning& t) {
  EXPECT_GE(t.block_floats, 256u);
  EXPECT_LE(t.block_floats, kMaxBlockFloats);  // tests/native/tolerance.hpp's error bound
  EXPECT_GE(t.row_chunk, 64u);
  EXPECT_LE(t.row_chunk, kMaxRowChunk);  // the kernels' per-chunk tables on the stack
  EXPECT_EQ(t.row_chunk % 64, 0u);       // whole vectors of every ISA (up to 16 lanes, 4 vectors)
  EXPECT_GT(t.row_tile_floats, 0u);
  EXPECT_GT(t.reduction_tile_floats, 0u);
  EXPECT_GE(t.channel_piece_floats, 256u);
}

// The constants the kernels were first measured with come out of a Zen 4 CCD's caches.
TEST(Tuning, Zen4CachesGiveTheMeasuredConstants) {
  const Tuning t = derive_tuning({32 * KiB, 1 * MiB, 32 * MiB, "test"});
  EXPECT_EQ(t.block_floats, 2048u);
  EXPECT_EQ(t.row_tile_floats, 4096u);
  EXPECT_EQ(t.reduction_tile_floats, 8192u);
  EXPECT_EQ(t.streaming_bytes, 16 * MiB);
  EXPECT_EQ(t.threaded_streaming_bytes, 32 * MiB);
  EXPECT_EQ(t.reverse_pass_bytes, 32 * MiB);
  expect_within_bounds(t);
}

// Bigger caches move the tiles and the streaming threshold up; the block stays at the bound.
TEST(Tuning, FollowsTheCacheSizes) {
  const Tuning zen5 = derive_tuning({48 * KiB, 1 * MiB, 32 * MiB, "test"});
  const Tuning x3d = derive_tuning({48 * KiB, 1 * MiB, 96 * MiB, "test"});
  const Tuning small = derive_tuning({16 * KiB, 256 * KiB, 2 * MiB, "test"});
  EXPECT_EQ(zen5.row_tile_floats, 48 * KiB / 2 / sizeof(float));
  EXPECT_EQ(zen5.row_chunk, 1024u);
  EXPECT_EQ(small.row_chunk, 640u);
  EXPECT_EQ(x3d.streaming_bytes, 48 * MiB);
  EXPECT_EQ(x3d.threaded_streaming_bytes, 96 * MiB);
  EXPECT_EQ(small.block_floats, 1024u);
  EXPECT_EQ(small.streaming_bytes, 1 * MiB);
  for (const Tuning& t : {zen5, x3d, small}) expect_within_bounds(t);
}

// Backward's channel pieces: x's and dy's together half the L2, and only for an x of twice the L2
// or more (below that the reverse walk finds most of x and dy in L2, and the pieces cost time);
// never where the L3 is the core complex's own, whose re-reads cost less.
TEST(Tuning, BackwardPiecesFollowTheL2) {
  for (const std::size_t l2 : {256 * KiB, 1 * MiB, 2 * MiB}) {
    const Tuning t = derive_tuning({48 * KiB, l2, 260 * MiB, "test", false});
    SCOPED_TRACE(l2);
    EXPECT_EQ(2 * t.channel_piece_floats * sizeof(float), l2 / 2);
    EXPECT_EQ(t.channel_pass_bytes, 2 * l2);
    expect_within_bounds(t);
  }
  EXPECT_EQ(derive_tuning({48 * KiB, 1 * MiB, 32 * MiB, "test"}).channel_pass_bytes,
            std::size_t(-1));
}

// An L3 spread over the socket (Intel) stops keeping a core's stores cheap beyond its L2: the
// streaming threshold follows the L2, however large the L3.
TEST(Tuning, SocketWideL3StreamsBeyondTheL2) {
  const Tuning emerald_rapids = derive_tuning({48 * KiB, 2 * MiB, 260 * MiB, "test", false});
  const Tuning small_l2 = derive_tuning({48 * KiB, 1 * MiB, 260 * MiB, "test", false});
  EXPECT_EQ(emerald_rapids.streaming_bytes, 5 * MiB / 2);
  EXPECT_EQ(emerald_rapids.threaded_streaming_bytes, 5 * MiB);
  EXPECT_EQ(small_l2.streaming_bytes, 5 * MiB / 4);
  EXPECT_EQ(emerald_rapids.block_floats,
            derive_tuning({48 * KiB, 2 * MiB, 32 * MiB, "test"}).block_floats);
  for (const Tuning& t : {emerald_rapids, small_l2}) expect_within_bounds(t);
}

// Whatever the CPU (or VM) reports, the derived constants are usable.
TEST(Tuning, ThisMachine) {
  const CacheSizes& c = simdnorm::detail::cache_sizes();
  EXPECT_GT(c.l1d, 0u) << c.source;
  EXPECT_GE(c.l2, c.l1d) << c.source;
  EXPECT_GE(c.l3, c.l2) << c.source;
  expect_within_bounds(simdnorm::kernels::tuning());
}

TEST(Tuning, ScopeOverridesAndRestores) {
  const Tuning derived = simdnorm::kernels::tuning();
  {
    TuningScope scope(smallest_tuning());
    EXPECT_EQ(simdnorm::kernels::tuning().streaming_bytes, 0u);
    EXPECT_EQ(simdnorm::kernels::tuning().threaded_streaming_bytes, 0u);
    EXPECT_EQ(simdnorm::kernels::tuning().row_chunk, 64u);
  }
  EXPECT_EQ(simdnorm::kernels::tuning().block_floats, derived.block_floats);
  EXPECT_EQ(simdnorm::kernels::tuning().streaming_bytes, derived.streaming_bytes);
}

}  // namespace
}  // namespace simdnorm_test

// The partition's cuts (src/core/partition.hpp) on small shapes with small pieces: which tensors
// get whole channels per piece, how many channels each piece holds, and that the pieces cover the
// tensor exactly once. The results tests (thread_results_test.cpp, kernels_vs_reference_test.cpp)
// check the numbers; these check that the cut they rely on is the one taken.

#include "core/partition.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "piece_floats.hpp"
#include "simdnorm/shape.hpp"
#include "tuning_scope.hpp"

namespace simdnorm_test {
namespace {

using simdnorm::Layout;
using simdnorm::Shape;
using simdnorm::detail::Cut;
using simdnorm::detail::Partition;
using simdnorm::detail::Piece;

// Backward's channel pieces of `floats` floats, the other pieces of the default size.
class ChannelPieces {
 public:
  explicit ChannelPieces(std::size_t floats) : tuning_(with_pieces(floats)) {}

 private:
  static simdnorm::kernels::Tuning with_pieces(std::size_t floats) {
    simdnorm::kernels::Tuning t = simdnorm::kernels::tuning();
    t.channel_piece_floats = floats;
    return t;
  }
  TuningScope tuning_;
};

// Every element of the tensor lies in exactly one piece, at the offset its channel and sample give.
void expect_exact_cover(const Shape& s, const Partition& part) {
  std::vector<int> seen(s.numel(), 0);
  for (std::size_t i = 0; i < part.size(); ++i) {
    const Piece p = part[i];
    for (std::size_t n = 0; n < p.shape.n; ++n)
      for (std::size_t j = 0; j < p.shape.c * p.shape.s; ++j)
        ++seen[p.offset + n * p.sample_stride + j];
  }
  for (std::size_t i = 0; i < seen.size(); ++i) ASSERT_EQ(seen[i], 1) << "element " << i;
}

TEST(Partition, ChannelPiecesHoldAsManyWholeChannelsAsFit) {
  const ChannelPieces pieces(250);
  const Shape s{4, 20, 30, Layout::ChannelsFirst};  // 120 floats a channel: 2 fit in 250
  const Partition part(s, Cut::channel_pieces);
  ASSERT_EQ(part.size(), 10u);
  EXPECT_EQ(part.parts(), 1u);
  for (std::size_t i = 0; i < part.size(); ++i) {
    EXPECT_EQ(part[i].c0, 2 * i);
    EXPECT_EQ(part[i].shape.c, 2u);
    EXPECT_EQ(part[i].shape.n, 4u);
    EXPECT_EQ(part[i].sample_stride, 20u * 30u);
  }
  expect_exact_cover(s, part);
  // Training forward's cut wants 16 channels a piece: with pieces of 250 floats this shape's
  // channels are split over its samples there.
  const PieceFloats same_size(250);
  EXPECT_GT(Partition(s, Cut::whole_channels).parts(), 1u);
}

TEST(Partition, ChannelPiecesTakeGroupsOf16WhereTheyFit) {
  const ChannelPieces pieces(200);
  const Shape s{3, 40, 4, Layout::ChannelsFirst};  // 12 floats a channel: 16 fit in 200
  const Partition part(s, Cut::channel_pieces);
  ASSERT_EQ(part.size(), 3u);
  EXPECT_EQ(part.parts(), 1u);
  EXPECT_EQ(part[0].shape.c, 16u);
  EXPECT_EQ(part[2].shape.c, 8u);
  expect_exact_cover(s, part);
}

// Where a channel does not fit in a piece, or rows of channels hold every channel, the cut falls
// back to contiguous pieces, each channel in several: backward then takes its two steps apart.
TEST(Partition, ChannelPiecesFallBackWhereNoChannelFits) {
  const ChannelPieces pieces(100);
  for (const Shape& s :
       {Shape{4, 3, 30, Layout::ChannelsFirst}, Shape{5, 8, 20, Layout::ChannelsLast},
        Shape{40, 8, 1, Layout::ChannelsFirst}}) {
    SCOPED_TRACE(simdnorm::to_string(s));
    const Partition part(s, Cut::channel_pieces);
    EXPECT_GT(part.size(), 1u);
    EXPECT_GT(part.parts(), 1u);
    expect_exact_cover(s, part);
  }
}

}  // namespace
}  // namespace simdnorm_test

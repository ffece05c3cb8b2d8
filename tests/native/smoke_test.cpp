#include <gtest/gtest.h>

#include "simdnorm/simdnorm.hpp"

TEST(Smoke, Runs) {
  simdnorm::BatchNorm bn(3);
  std::vector<float> x(2 * 3 * 5), y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(i % 7);
  bn.forward(x, simdnorm::Shape::ncl(2, 3, 5), y);
  EXPECT_EQ(bn.num_batches_tracked(), 1);
}

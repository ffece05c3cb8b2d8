// simdnorm_data: loads a built-in image data set the way the trainer does and describes it.
//   simdnorm_data mnist            sizes, shapes, class counts, pixel mean/std per split
//   simdnorm_data fashion-mnist --dir /path/to/idx/files --json
// The JSON form adds FNV-1a 64 checksums of the float32 inputs and int32 labels (little-endian
// bytes), which the JS tests compare with their own reader's tensors.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "nn/image_datasets.hpp"

namespace {

using namespace simdnorm::nn;

constexpr const char* kUsage = R"(usage: simdnorm_data NAME [--dir DIR] [--json]
  NAME   mnist | fashion-mnist
  --dir  folder with the four idx files (default: where their package installs them;
         $SIMDNORM_MNIST_DIR / $SIMDNORM_FASHION_MNIST_DIR override it)
  --json one JSON object: per split count, sample shape, class counts, mean, std, checksums
)";

std::uint64_t fnv1a64(const void* data, std::size_t bytes) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i) h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

void describe(const char* split, const TensorDataset& d, bool json, bool last) {
  double sum = 0, sum2 = 0;
  for (const float v : d.inputs()) sum += v, sum2 += double(v) * v;
  const double n = double(d.inputs().size());
  const double mean = sum / n, std = std::sqrt(std::max(0.0, sum2 / n - mean * mean));
  std::string shape, counts;
  for (const std::size_t s : d.sample_dims())
    shape += (shape.empty() ? "" : ", ") + std::to_string(s);
  for (const std::size_t c : d.class_counts())
    counts += (counts.empty() ? "" : ", ") + std::to_string(c);
  if (json) {
    // Checksums over the bytes as a little-endian machine stores them (x86, ARM, wasm).
    std::printf(
        "\"%s\": {\"count\": %zu, \"sampleShape\": [%s], \"classes\": %zu, \"classCounts\": [%s], "
        "\"mean\": %.9g, \"std\": %.9g, \"inputsFnv1a64\": \"%016llx\", "
        "\"labelsFnv1a64\": \"%016llx\"}%s",
        split, d.size(), shape.c_str(), d.classes(), counts.c_str(), mean, std,
        static_cast<unsigned long long>(fnv1a64(d.inputs().data(), d.inputs().size_bytes())),
        static_cast<unsigned long long>(fnv1a64(d.labels().data(), d.labels().size_bytes())),
        last ? "" : ", ");
  } else {
    std::printf("%-5s %6zu samples of [%s], %zu classes (counts %s), pixel mean %.4f std %.4f\n",
                split, d.size(), shape.c_str(), d.classes(), counts.c_str(), mean, std);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string name, dir;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else if (!a.starts_with("--") && name.empty()) {
      name = a;
    } else {
      std::fprintf(stderr, "simdnorm_data: unexpected argument \"%s\"\n%s", argv[i], kUsage);
      return 2;
    }
  }
  if (name.empty()) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    const ImageDataset d = dir.empty() ? load_image_dataset(name) : load_image_dataset(name, dir);
    if (json)
      std::printf("{\"name\": \"%s\", ", std::string(d.info->name).c_str());
    else
      std::printf("%s\n", std::string(d.info->title).c_str());
    describe("train", d.train, json, false);
    describe("test", d.test, json, true);
    if (json) std::printf("}\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "simdnorm_data: %s\n", e.what());
    return 1;
  }
}

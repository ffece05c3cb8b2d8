// The idx reader: hand-written files (plain and, with zlib, gzip), every malformed header it must
// reject with the file name, and Debian's Fashion-MNIST when it is installed.

#include "nn/idx_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace simdnorm::nn {
namespace {

namespace fs = std::filesystem;

// Per process: ctest runs this binary under several SIMDNORM_ISA values at once.
fs::path temp_path(const std::string& name) {
  return fs::temp_directory_path() /
         ("simdnorm_idx_test_" + std::to_string(::getpid()) + "_" + name);
}

// Removes this process's files when the test binary exits.
struct TempFiles {
  ~TempFiles() {
    std::error_code ignored;
    for (const char* name : {"images", "labels", "labels3", "magic", "type", "truncated"})
      fs::remove(temp_path(name), ignored);
  }
} temp_files;

fs::path write_file(const std::string& name, const std::vector<std::uint8_t>& bytes) {
  const fs::path p = temp_path(name);
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return p;
}

std::string error_of(const fs::path& p) {
  try {
    read_idx(p);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "no error";
}

// 2 images of 2×3 and their labels.
const std::vector<std::uint8_t> kImages = {0, 0, 8, 3,  0,   0,   0,   2,   0, 0, 0, 2, 0, 0,
                                           0, 3, 0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6};
const std::vector<std::uint8_t> kLabels = {0, 0, 8, 1, 0, 0, 0, 2, 7, 3};

TEST(IdxFile, ReadsDimensionsAndBytes) {
  const IdxArray a = read_idx(write_file("images", kImages));
  EXPECT_EQ(a.dims, (std::vector<std::size_t>{2, 2, 3}));
  ASSERT_EQ(a.data.size(), 12u);
  EXPECT_EQ(a.data[5], 255);
  EXPECT_EQ(a.data[11], 6);

  const ImageSet s = read_idx_images(write_file("images", kImages), write_file("labels", kLabels));
  EXPECT_EQ(s.n, 2u);
  EXPECT_EQ(s.height, 2u);
  EXPECT_EQ(s.width, 3u);
  EXPECT_EQ(s.classes, 8u);
  EXPECT_EQ(s.labels, (std::vector<std::int32_t>{7, 3}));
  EXPECT_FLOAT_EQ(s.images[1], 0.2f);
  EXPECT_FLOAT_EQ(s.images[5], 1.f);
}

TEST(IdxFile, RejectsMalformedFilesNamingThem) {
  const fs::path missing = temp_path("missing");
  fs::remove(missing);
  EXPECT_EQ(error_of(missing),
            "read_idx: " + missing.string() + ": expected a readable file, given none");
  std::vector<std::uint8_t> bad = kImages;
  bad[0] = 1;
  EXPECT_NE(error_of(write_file("magic", bad)).find("expected the idx magic"), std::string::npos);
  bad = kImages;
  bad[2] = 0x0d;  // float32 elements
  EXPECT_NE(error_of(write_file("type", bad))
                .find("expected element type 0x08 (unsigned byte), given 0x0d"),
            std::string::npos);
  bad = kImages;
  bad.pop_back();
  const fs::path truncated = write_file("truncated", bad);
  EXPECT_EQ(error_of(truncated),
            "read_idx: " + truncated.string() +
                ": expected 12 data bytes (the header's dimensions), given 11");
  std::vector<std::uint8_t> three_labels = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3};
  try {
    read_idx_images(write_file("images", kImages), write_file("labels3", three_labels));
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 2 labels (one per image of"), std::string::npos)
        << e.what();
  }
}

// Debian's dataset-fashion-mnist (gzip idx files): 60 000 + 10 000 images of 28×28, 10 classes
// of 6 000 + 1 000 each (the published split is balanced).
TEST(IdxFile, ReadsFashionMnistWhenInstalled) {
  const fs::path dir = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(dir / "train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "Debian package dataset-fashion-mnist is not installed";
  for (const auto& [prefix, n] : {std::pair<std::string, std::size_t>{"train", 60000},
                                  std::pair<std::string, std::size_t>{"t10k", 10000}}) {
    ImageSet s;
    try {
      s = read_idx_images(dir / (prefix + "-images-idx3-ubyte.gz"),
                          dir / (prefix + "-labels-idx1-ubyte.gz"));
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()).find("has no zlib") != std::string::npos) GTEST_SKIP() << e.what();
      FAIL() << e.what();
    }
    EXPECT_EQ(s.n, n);
    EXPECT_EQ(s.height, 28u);
    EXPECT_EQ(s.width, 28u);
    EXPECT_EQ(s.classes, 10u);
    std::vector<std::size_t> per_class(10);
    for (const std::int32_t l : s.labels) ++per_class[std::size_t(l)];
    EXPECT_EQ(per_class, std::vector<std::size_t>(10, n / 10));
  }
}

}  // namespace
}  // namespace simdnorm::nn

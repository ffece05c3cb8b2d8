// The idx reader and gunzip on small synthetic files made here: round trips (plain and gzip),
// and every malformed case names the file and what is wrong.

#include "nn/idx.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/gunzip.hpp"

namespace simdnorm::nn {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Dims = std::vector<std::size_t>;

// An idx file: 00 00 type rank, big-endian dims, then the values.
Bytes idx(std::vector<std::uint32_t> dims, const Bytes& values, std::uint8_t type = 0x08) {
  Bytes b = {0, 0, type, std::uint8_t(dims.size())};
  for (const std::uint32_t d : dims)
    for (int shift = 24; shift >= 0; shift -= 8) b.push_back(std::uint8_t(d >> shift));
  b.insert(b.end(), values.begin(), values.end());
  return b;
}

Bytes iota(std::size_t n) {
  Bytes v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = std::uint8_t(i * 37 % 256);
  return v;
}

// gzip with zlib's deflate (windowBits 15 + 16 writes the gzip wrapper).
Bytes gzip(const Bytes& in) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  Bytes out(deflateBound(&z, uLong(in.size())) + 32);
  z.next_in = const_cast<Bytef*>(in.data());
  z.avail_in = uInt(in.size());
  z.next_out = out.data();
  z.avail_out = uInt(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// A file in the test's temp folder (the pid keeps the parallel ctest runs apart).
std::filesystem::path write(const std::string& name, const Bytes& bytes) {
  const auto dir =
      std::filesystem::path(testing::TempDir()) / ("simdnorm-idx-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return dir / name;
}

template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

#define EXPECT_HAS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(Idx, ParsesDimsAndValuesPlainAndGzipped) {
  const Bytes values = iota(4 * 3 * 5);
  const Bytes file = idx({4, 3, 5}, values);
  const IdxArray a = parse_idx(file, "mem");
  EXPECT_EQ(a.dims, (std::vector<std::size_t>{4, 3, 5}));
  EXPECT_EQ(a.values, values);
  for (const auto& path :
       {write("plain-idx3-ubyte", file), write("packed-idx3-ubyte.gz", gzip(file))}) {
    const IdxArray b = read_idx(path);
    EXPECT_EQ(b.dims, a.dims) << path;
    EXPECT_EQ(b.values, values) << path;
  }
  // Large dims (≥ 2^24) are read as full big-endian 32-bit numbers.
  const IdxArray wide = parse_idx(idx({0x01020304u, 0}, {}), "mem");
  EXPECT_EQ(wide.dims, (std::vector<std::size_t>{0x01020304u, 0}));
}

TEST(Idx, BadMagicNamesTheFileAndTheMagic) {
  Bytes file = idx({3}, {1, 2, 3});
  file[1] = 0x12;
  EXPECT_EQ(error_of([&] { parse_idx(file, "x.idx"); }),
            "simdnorm: nn::parse_idx: x.idx: expected magic number 0x000008NN (0x00000801 labels, "
            "0x00000803 images), got 0x00120801");
  EXPECT_HAS(error_of([&] {
               parse_idx(gzip(idx({3}, {1, 2, 3})), "x.gz");
             }),
             "(gzip data: gunzip it first)");
  EXPECT_EQ(error_of([&] { parse_idx(idx({3}, Bytes(12), 0x0d), "f.idx"); }),
            "simdnorm: nn::parse_idx: f.idx: expected value type 08 (unsigned byte, as MNIST) in "
            "magic number 0x00000d01, got 0d (float32)");
  EXPECT_EQ(error_of([&] { parse_idx(idx({}, {}), "z.idx"); }),
            "simdnorm: nn::parse_idx: z.idx: expected 1 or more dimensions in magic number "
            "0x00000800, got 0");
}

TEST(Idx, TruncatedAndOversizedFiles) {
  const Bytes full = idx({10, 2, 2}, iota(40));
  EXPECT_EQ(error_of([&] { parse_idx(Bytes(full.begin(), full.begin() + 2), "t"); }),
            "simdnorm: nn::parse_idx: t: expected an idx file (a 4-byte magic number, then the "
            "dimensions), got 2 bytes (truncated)");
  EXPECT_EQ(error_of([&] { parse_idx(Bytes(full.begin(), full.begin() + 9), "t"); }),
            "simdnorm: nn::parse_idx: t: expected a 16-byte header (3 dimensions), got 9 bytes "
            "(truncated)");
  EXPECT_EQ(error_of([&] { parse_idx(Bytes(full.begin(), full.end() - 1), "t"); }),
            "simdnorm: nn::parse_idx: t: expected 10 × 2 × 2 = 40 values after the 16-byte "
            "header, got 39 (truncated)");
  Bytes longer = full;
  longer.push_back(0);
  EXPECT_EQ(error_of([&] { parse_idx(longer, "t"); }),
            "simdnorm: nn::parse_idx: t: expected 10 × 2 × 2 = 40 values after the 16-byte "
            "header, got 41 (1 bytes after the data)");
  // Dims whose product overflows size_t are "truncated", never an overflowed small count.
  EXPECT_EQ(error_of([&] {
              parse_idx(idx({0xffffffffu, 0xffffffffu, 0xffffffffu}, {}), "o");
            }),
            "simdnorm: nn::parse_idx: o: expected 4294967295 × 4294967295 × 4294967295 values "
            "after the 16-byte header, got 0 (truncated)");
}

TEST(Gunzip, TruncatedCorruptAndTrailingData) {
  const Bytes file = idx({100}, iota(100));
  const Bytes packed = gzip(file);
  EXPECT_EQ(gunzip(packed, "p"), file);
  Bytes twice = packed;  // concatenated members, as `cat a.gz b.gz` makes
  twice.insert(twice.end(), packed.begin(), packed.end());
  Bytes file_twice = file;
  file_twice.insert(file_twice.end(), file.begin(), file.end());
  EXPECT_EQ(gunzip(twice, "p"), file_twice);
  EXPECT_HAS(error_of([&] { gunzip(Bytes(packed.begin(), packed.end() - 5), "cut.gz"); }),
             "simdnorm: nn::gunzip: cut.gz: expected a complete gzip stream, got a truncated one");
  EXPECT_HAS(error_of([&] { gunzip(Bytes(packed.begin(), packed.begin() + 5), "cut.gz"); }),
             "got a truncated one (it ends after 5 compressed bytes)");
  Bytes corrupt = packed;
  corrupt[corrupt.size() - 6] ^= 0xff;  // inside the CRC32 trailer
  EXPECT_HAS(error_of([&] { gunzip(corrupt, "bad.gz"); }),
             "simdnorm: nn::gunzip: bad.gz: expected valid gzip data, got corrupt data (incorrect "
             "data check)");
  Bytes trailing = packed;
  trailing.push_back(7);
  EXPECT_EQ(error_of([&] { gunzip(trailing, "t.gz"); }),
            "simdnorm: nn::gunzip: t.gz: expected gzip streams only, got 1 other bytes after the "
            "gzip stream");
  // Through read_idx, a truncated .gz names its path.
  const auto cut = write("cut-idx1-ubyte.gz", Bytes(packed.begin(), packed.end() - 9));
  EXPECT_HAS(error_of([&] { read_idx(cut); }),
             cut.string() + ": expected a complete gzip stream, got a truncated one");
  EXPECT_HAS(error_of([&] { read_idx(cut.parent_path() / "missing"); }), "cannot open");
}

TEST(Idx, ImagesAndLabelsMustMatch) {
  const IdxArray images = parse_idx(idx({3, 2, 2}, {0, 51, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9}), "i");
  const IdxArray labels = parse_idx(idx({3}, {2, 0, 1}), "l");
  const TensorDataset d = image_dataset_from_idx(images, "i", labels, "l", 3);
  EXPECT_EQ(Dims(d.sample_dims().begin(), d.sample_dims().end()), (Dims{1, 2, 2}));
  EXPECT_EQ(d.input(0)[1], 0.2f);  // 51/255 exactly
  EXPECT_EQ(d.input(0)[2], 1.0f);
  EXPECT_EQ(d.input(2)[3], 9.0f / 255.0f);
  EXPECT_EQ(d.labels()[0], 2);

  const IdxArray four = parse_idx(idx({4}, {0, 0, 0, 0}), "l4");
  EXPECT_EQ(
      error_of([&] { image_dataset_from_idx(images, "i", four, "l4", 3); }),
      "simdnorm: nn::image_dataset_from_idx: l4: expected 3 labels, one per image in i, got 4 "
      "(dimension mismatch)");
  EXPECT_EQ(error_of([&] { image_dataset_from_idx(labels, "l", labels, "l", 3); }),
            "simdnorm: nn::image_dataset_from_idx: l: expected images, an idx3 file (magic "
            "0x00000803, [N, H, W]), got 1 dimensions (magic 0x00000801)");
  EXPECT_EQ(error_of([&] { image_dataset_from_idx(images, "i", images, "i", 3); }),
            "simdnorm: nn::image_dataset_from_idx: i: expected labels, an idx1 file (magic "
            "0x00000801, [N]), got 3 dimensions (magic 0x00000803)");
  EXPECT_EQ(error_of([&] { image_dataset_from_idx(images, "i", labels, "l", 2); }),
            "simdnorm: nn::image_dataset_from_idx: l: label 0: expected a class in [0, 1], got 2");
}

}  // namespace
}  // namespace simdnorm::nn

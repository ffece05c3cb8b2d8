#include "nn/idx_file.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string>

#if defined(SIMDNORM_HAVE_ZLIB)
#include <zlib.h>
#endif

namespace simdnorm::nn {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error("read_idx: " + path.string() + ": " + what);
}

// The whole file, decompressed if it is gzip.
std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes;
  std::uint8_t buf[1 << 16];
#if defined(SIMDNORM_HAVE_ZLIB)
  // gzread passes plain files through unchanged.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail(path, "expected a readable file, given none");
  int got = 0;
  while ((got = gzread(f, buf, sizeof buf)) > 0) bytes.insert(bytes.end(), buf, buf + got);
  const bool error = got < 0;
  gzclose(f);
  if (error) fail(path, "expected valid gzip data, given a corrupt stream");
#else
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(path, "expected a readable file, given none");
  std::size_t got = 0;
  while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + got);
  std::fclose(f);
  if (bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
    fail(path, "expected an uncompressed idx file (this build has no zlib), given gzip");
#endif
  return bytes;
}

std::size_t be32(const std::uint8_t* p) {
  return std::size_t(p[0]) << 24 | std::size_t(p[1]) << 16 | std::size_t(p[2]) << 8 | p[3];
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes = read_bytes(path);
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    fail(path, "expected the idx magic 00 00 <type> <rank>, given another header");
  if (bytes[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02x", unsigned(bytes[2]));
    fail(path, std::string("expected element type 0x08 (unsigned byte), given ") + type);
  }
  const std::size_t rank = bytes[3];
  if (rank == 0 || bytes.size() < 4 + 4 * rank)
    fail(path, "expected 1 or more dimensions after the magic, given " + std::to_string(rank) +
                   " in a file of " + std::to_string(bytes.size()) + " bytes");
  IdxArray a;
  std::size_t count = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    a.dims.push_back(be32(bytes.data() + 4 + 4 * i));
    count *= a.dims.back();
  }
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() - header != count)
    fail(path, "expected " + std::to_string(count) +
                   " data bytes (the header's dimensions), given " +
                   std::to_string(bytes.size() - header));
  bytes.erase(bytes.begin(), bytes.begin() + std::ptrdiff_t(header));
  a.data = std::move(bytes);
  return a;
}

ImageSet read_idx_images(const std::filesystem::path& images, const std::filesystem::path& labels) {
  const IdxArray img = read_idx(images), lab = read_idx(labels);
  if (img.dims.size() != 3)
    fail(images,
         "expected 3 dimensions [n, height, width], given " + std::to_string(img.dims.size()));
  if (lab.dims.size() != 1 || lab.dims[0] != img.dims[0])
    fail(labels,
         "expected " + std::to_string(img.dims[0]) + " labels (one per image of " +
             images.string() + "), given " +
             (lab.dims.size() == 1 ? std::to_string(lab.dims[0])
                                   : "a tensor of rank " + std::to_string(lab.dims.size())));
  ImageSet s;
  s.n = img.dims[0];
  s.height = img.dims[1];
  s.width = img.dims[2];
  s.images.resize(img.data.size());
  std::transform(img.data.begin(), img.data.end(), s.images.begin(),
                 [](std::uint8_t v) { return float(v) / 255.f; });
  s.labels.assign(lab.data.begin(), lab.data.end());
  for (const std::int32_t l : s.labels) s.classes = std::max(s.classes, std::size_t(l) + 1);
  return s;
}

}  // namespace simdnorm::nn

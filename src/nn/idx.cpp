#include "nn/idx.hpp"

#include <cstdio>
#include <limits>
#include <string>

#include "core/validate.hpp"
#include "nn/gunzip.hpp"

namespace simdnorm::nn {
namespace {

[[noreturn]] void bad(ErrorCode code, std::string_view fn, std::string_view source,
                      const std::string& expected, const std::string& given) {
  detail::fail(code, fn, source, expected, given);
}

std::string hex32(std::uint32_t v) {
  char s[11];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

std::uint32_t big_endian_u32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

std::string type_name(std::uint8_t type) {
  switch (type) {
    case 0x09:
      return "signed byte";
    case 0x0b:
      return "int16";
    case 0x0c:
      return "int32";
    case 0x0d:
      return "float32";
    case 0x0e:
      return "float64";
  }
  return "unknown";
}

std::string dims_string(const std::vector<std::size_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " × " : "") + std::to_string(dims[i]);
  return s;
}

}  // namespace

IdxArray parse_idx(std::span<const std::uint8_t> bytes, std::string_view source) {
  constexpr std::string_view fn = "nn::parse_idx";
  if (bytes.size() < 4)
    bad(ErrorCode::shape, fn, source, "an idx file (a 4-byte magic number, then the dimensions)",
        std::to_string(bytes.size()) + " bytes (truncated)");
  const std::uint32_t magic = big_endian_u32(bytes.data());
  if (bytes[0] != 0 || bytes[1] != 0)
    bad(ErrorCode::range, fn, source,
        "magic number 0x000008NN (0x00000801 labels, 0x00000803 images)",
        hex32(magic) + (is_gzip(bytes) ? " (gzip data: gunzip it first)" : ""));
  if (bytes[2] != 0x08)
    bad(ErrorCode::range, fn, source,
        "value type 08 (unsigned byte, as MNIST) in magic number " + hex32(magic),
        hex32(bytes[2]).substr(8) + " (" + type_name(bytes[2]) + ")");
  const std::size_t rank = bytes[3];
  if (rank == 0)
    bad(ErrorCode::shape, fn, source, "1 or more dimensions in magic number " + hex32(magic), "0");
  const std::size_t header = 4 + 4 * rank;
  if (bytes.size() < header)
    bad(ErrorCode::shape, fn, source,
        "a " + std::to_string(header) + "-byte header (" + std::to_string(rank) + " dimensions)",
        std::to_string(bytes.size()) + " bytes (truncated)");
  IdxArray out;
  std::size_t count = 1;
  bool overflow = false;
  for (std::size_t d = 0; d < rank; ++d) {
    out.dims.push_back(big_endian_u32(bytes.data() + 4 + 4 * d));
    if (out.dims.back() != 0 && count > std::numeric_limits<std::size_t>::max() / out.dims.back())
      overflow = true;
    count *= out.dims.back();
  }
  const std::size_t data = bytes.size() - header;
  if (overflow || data != count)
    bad(ErrorCode::shape, fn, source,
        dims_string(out.dims) + (overflow ? "" : " = " + std::to_string(count)) +
            " values after the " + std::to_string(header) + "-byte header",
        std::to_string(data) + (overflow || data < count ? " (truncated)"
                                                         : " (" + std::to_string(data - count) +
                                                               " bytes after the data)"));
  out.values.assign(bytes.begin() + std::ptrdiff_t(header), bytes.end());
  return out;
}

IdxArray read_idx(const std::filesystem::path& path) {
  return parse_idx(read_maybe_gzipped(path), path.string());
}

TensorDataset image_dataset_from_idx(const IdxArray& images, std::string_view images_source,
                                     const IdxArray& labels, std::string_view labels_source,
                                     std::size_t classes) {
  constexpr std::string_view fn = "nn::image_dataset_from_idx";
  if (images.dims.size() != 3)
    bad(ErrorCode::shape, fn, images_source, "images, an idx3 file (magic 0x00000803, [N, H, W])",
        std::to_string(images.dims.size()) + " dimensions (magic " +
            hex32(0x800u + std::uint32_t(images.dims.size())) + ")");
  if (labels.dims.size() != 1)
    bad(ErrorCode::shape, fn, labels_source, "labels, an idx1 file (magic 0x00000801, [N])",
        std::to_string(labels.dims.size()) + " dimensions (magic " +
            hex32(0x800u + std::uint32_t(labels.dims.size())) + ")");
  const std::size_t n = images.dims[0];
  if (labels.dims[0] != n)
    bad(ErrorCode::shape, fn, labels_source,
        std::to_string(n) + " labels, one per image in " + std::string(images_source),
        std::to_string(labels.dims[0]) + " (dimension mismatch)");
  std::vector<std::int32_t> y(labels.values.begin(), labels.values.end());
  for (std::size_t i = 0; i < n; ++i)
    if (y[i] >= std::int32_t(classes))
      bad(ErrorCode::range, fn, std::string(labels_source) + ": label " + std::to_string(i),
          "a class in [0, " + std::to_string(classes - 1) + "]", std::to_string(y[i]));
  std::vector<float> x(images.values.size());
  // ToTensor divides in float; any float pixel/255 is the correctly rounded quotient, the same in
  // C++, numpy and JS (Math.fround of the double quotient: double rounding is exact for division).
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = float(images.values[i]) / 255.0f;
  return TensorDataset(std::move(x), std::move(y), {1, images.dims[1], images.dims[2]}, classes);
}

}  // namespace simdnorm::nn

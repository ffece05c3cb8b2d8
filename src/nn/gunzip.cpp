#include "nn/gunzip.hpp"

#include <zlib.h>

#include <algorithm>
#include <climits>
#include <fstream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "core/validate.hpp"

namespace simdnorm::nn {
namespace {

[[noreturn]] void corrupt(std::string_view source, const std::string& expected,
                          const std::string& given) {
  detail::fail(ErrorCode::range, "nn::gunzip", source, expected, given);
}

// Inflates one gzip member starting at in[0]; appends to out, returns the bytes consumed.
std::size_t inflate_member(std::span<const std::uint8_t> in, std::vector<std::uint8_t>& out,
                           std::string_view source) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
    throw std::runtime_error("simdnorm: nn::gunzip: zlib could not start inflating");
  std::size_t consumed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0) {
      if (consumed == in.size()) break;
      z.next_in = const_cast<Bytef*>(in.data() + consumed);
      z.avail_in = uInt(std::min<std::size_t>(in.size() - consumed, UINT_MAX));
      consumed += z.avail_in;
    }
    if (out.size() == out.capacity()) out.reserve(std::max<std::size_t>(2 * out.size(), 1 << 16));
    const std::size_t used = out.size();
    out.resize(out.capacity());
    z.next_out = out.data() + used;
    z.avail_out = uInt(std::min<std::size_t>(out.size() - used, UINT_MAX));
    rc = inflate(&z, Z_NO_FLUSH);
    out.resize(out.size() - z.avail_out);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      const std::string why = z.msg ? z.msg : "zlib error " + std::to_string(rc);
      inflateEnd(&z);
      corrupt(source, "valid gzip data", "corrupt data (" + why + ")");
    }
  }
  consumed -= z.avail_in;
  inflateEnd(&z);
  if (rc != Z_STREAM_END)
    corrupt(source, "a complete gzip stream",
            "a truncated one (it ends after " + std::to_string(in.size()) + " compressed bytes)");
  return consumed;
}

}  // namespace

bool is_gzip(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes, std::string_view source) {
  if (!is_gzip(bytes)) corrupt(source, "gzip data (starting with 1f 8b)", "other data");
  std::vector<std::uint8_t> out;
  // The trailer's ISIZE (the size mod 2^32) is a good first guess of the output size; deflate
  // never expands more than 1032:1, which bounds the guess when the trailer is garbage.
  if (bytes.size() >= 18) {
    const std::uint8_t* t = bytes.data() + bytes.size() - 4;
    const std::size_t isize = std::size_t(t[0]) | std::size_t(t[1]) << 8 | std::size_t(t[2]) << 16 |
                              std::size_t(t[3]) << 24;
    out.reserve(std::min(isize, 1032 * bytes.size()));
  }
  for (std::size_t at = 0; at < bytes.size();) {
    if (!is_gzip(bytes.subspan(at)))
      corrupt(source, "gzip streams only",
              std::to_string(bytes.size() - at) + " other bytes after the gzip stream");
    at += inflate_member(bytes.subspan(at), out, source);
  }
  return out;
}

std::vector<std::uint8_t> read_maybe_gzipped(const std::filesystem::path& path) {
  std::error_code error;
  const auto size = std::filesystem::file_size(path, error);
  std::ifstream file(path, std::ios::binary);
  if (error || !file)
    throw std::runtime_error("simdnorm: nn::read_idx: cannot open " + path.string() +
                             (error ? " (" + error.message() + ")" : ""));
  std::vector<std::uint8_t> bytes(size);
  if (!file.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size)))
    throw std::runtime_error("simdnorm: nn::read_idx: cannot read " + path.string());
  return is_gzip(bytes) ? gunzip(bytes, path.string()) : bytes;
}

}  // namespace simdnorm::nn

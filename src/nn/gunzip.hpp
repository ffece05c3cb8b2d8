#pragma once
// Reading files that may be gzip-compressed (Fashion-MNIST ships as .gz idx files), with zlib.

#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

namespace simdnorm::nn {

// True when `bytes` starts with the gzip magic 1f 8b.
bool is_gzip(std::span<const std::uint8_t> bytes);

// Decompresses one gzip stream (further concatenated members too, as gunzip does). `source`
// names the data in errors. Throws simdnorm::Error for corrupt or truncated streams.
std::vector<std::uint8_t> gunzip(std::span<const std::uint8_t> bytes, std::string_view source);

// The file's bytes, gunzipped if the file is gzip (by content, not by name). Throws
// std::runtime_error naming the path when it cannot be read.
std::vector<std::uint8_t> read_maybe_gzipped(const std::filesystem::path& path);

}  // namespace simdnorm::nn

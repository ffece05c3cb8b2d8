#pragma once
// A float buffer placed a chosen number of floats past a 64-byte boundary, with guard zones on
// both sides: kernels see aligned and unaligned pointers, and a tail store that runs past the end
// (or a head store before the start) shows up as a changed guard.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

namespace simdnorm_test {

class GuardedBuffer {
 public:
  // A bit pattern no kernel produces from finite inputs (a NaN with a distinctive payload).
  static constexpr std::uint32_t kGuardBits = 0x7fa5a5a5u;
  static constexpr std::size_t kGuardFloats = 32;  // two AVX-512 vectors

  GuardedBuffer(std::size_t size, std::size_t misalign_floats) : size_(size) {
    storage_.resize(size + misalign_floats + 2 * kGuardFloats + 16);
    const auto base = reinterpret_cast<std::uintptr_t>(storage_.data());
    const std::size_t to_64 = ((64 - base % 64) % 64) / sizeof(float);
    start_ = to_64 + kGuardFloats + misalign_floats;
    float guard;
    std::memcpy(&guard, &kGuardBits, sizeof guard);
    for (float& v : storage_) v = guard;
  }

  std::span<float> span() { return {storage_.data() + start_, size_}; }
  std::span<const float> cspan() const { return {storage_.data() + start_, size_}; }

  void assign(std::span<const float> values) {
    std::memcpy(storage_.data() + start_, values.data(), values.size_bytes());
  }
  void fill_guard_pattern() {
    for (float& v : span()) std::memcpy(&v, &kGuardBits, sizeof v);
  }

  // True if the kGuardFloats floats on each side still hold the guard pattern.
  bool guards_intact() const {
    for (std::size_t i = start_ - kGuardFloats; i < start_; ++i)
      if (!is_guard(storage_[i])) return false;
    for (std::size_t i = start_ + size_; i < start_ + size_ + kGuardFloats; ++i)
      if (!is_guard(storage_[i])) return false;
    return true;
  }

 private:
  static bool is_guard(float v) {
    std::uint32_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    return bits == kGuardBits;
  }

  std::vector<float> storage_;
  std::size_t size_, start_ = 0;
};

}  // namespace simdnorm_test

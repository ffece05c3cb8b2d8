#pragma once
// A float buffer that ends where an inaccessible page begins: any read or write past its end
// faults, including the masked-out lanes of a vector tail on an emulator that does
// not suppress their faults (qemu-x86_64 7.2 emulates AVX2's vmaskmovps load as a full load).

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <stdexcept>

namespace simdnorm_test {

class PageEndBuffer {
 public:
  explicit PageEndBuffer(std::span<const float> values) : size_(values.size()) {
    const std::size_t page = std::size_t(sysconf(_SC_PAGESIZE));
    bytes_ = (size_ * sizeof(float) + page - 1) / page * page + page;
    void* base = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::runtime_error("PageEndBuffer: mmap failed");
    base_ = static_cast<char*>(base);
    if (mprotect(base_ + bytes_ - page, page, PROT_NONE) != 0)
      throw std::runtime_error("PageEndBuffer: mprotect failed");
    data_ = reinterpret_cast<float*>(base_ + bytes_ - page) - size_;
    std::memcpy(data_, values.data(), values.size_bytes());
  }
  ~PageEndBuffer() { munmap(base_, bytes_); }
  PageEndBuffer(const PageEndBuffer&) = delete;
  PageEndBuffer& operator=(const PageEndBuffer&) = delete;

  std::span<float> span() { return {data_, size_}; }

 private:
  std::size_t size_, bytes_;
  char* base_;
  float* data_;
};

}  // namespace simdnorm_test

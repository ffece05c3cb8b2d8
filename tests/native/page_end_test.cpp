// Every entry point with every tensor and per-channel array ending where an inaccessible page
// begins, under every ISA: no kernel may touch a byte past an array's end, not even in the
// masked-out lanes of a vector tail, which hardware never faults on but an emulator may (the
// isa-cpus stage runs this under qemu-x86_64 -cpu Haswell). Shapes leave partial vectors at every
// run, row and channel group. The results must equal, bit for bit, the same calls on heap buffers
// at the same offsets from a 64-byte boundary (same vector splits, so the same sums).

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "functional_outputs.hpp"
#include "guarded_buffer.hpp"
#include "isa_scope.hpp"
#include "page_end_buffer.hpp"
#include "random_batch.hpp"
#include "simdnorm/simdnorm.hpp"

namespace simdnorm_test {
namespace {

using Place = std::function<std::span<float>(const std::vector<float>&)>;

// Every output of every entry point, each array placed by `place`.
std::vector<float> all_outputs(const Shape& s, const Place& place) {
  RandomBatch rng(unsigned(s.numel()));
  const std::size_t m = s.numel(), c = s.c;
  const std::span<float> x = place(rng.input(s)), dy = place(rng.normal(m)),
                         z = place(rng.normal(m)), gamma = place(rng.weight(c)),
                         beta = place(rng.uniform_vector(c, -1, 1)),
                         rmean = place(rng.uniform_vector(c, -1, 1)),
                         rvar = place(rng.uniform_vector(c, 0.5, 2));
  const std::vector<float> zeros_m(m), zeros_c(c);
  const std::span<float> y = place(zeros_m), dx = place(zeros_m), dz = place(zeros_m),
                         a = place(zeros_c), b = place(zeros_c), d = place(zeros_c),
                         e = place(zeros_c), f = place(zeros_c);
  std::vector<float> out;
  append_functional_outputs(s, {x, dy, z, gamma, beta, rmean, rvar, y, dx, dz, a, b, d, e, f}, out);
  // The module: its own copy of x (written by the normalize pass), the caller's x borrowed, and
  // nothing kept (forward_no_grad).
  simdnorm::BatchNorm bn(c);
  for (const bool training : {true, false}) {
    bn.train(training);
    bn.forward(x, s, y);
    bn.backward(dy, dx);
    append(out, y), append(out, dx), append(out, bn.weight_grad());
    bn.forward_borrowed(x, s, y);
    bn.backward(dy, dx);
    append(out, y), append(out, dx), append(out, bn.weight_grad());
    bn.forward_no_grad(x, s, y);
    append(out, y), append(out, bn.running_mean()), append(out, bn.running_var());
  }
  return out;
}

class PageEnd : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { simdnorm::set_isa(GetParam()); }

 private:
  IsaScope restore_;
};

TEST_P(PageEnd, NoEntryPointTouchesMemoryPastAnArray) {
  const Shape shapes[] = {
      {2, 5, 7, Layout::ChannelsFirst},    // runs shorter than a vector, 5 channels
      {2, 3, 130, Layout::ChannelsFirst},  // runs with a partial last vector
      // 1080 floats: the page boundary 1024 floats before the end falls 3 floats after the
      // 1-float tail of the run at 45–53, inside the array (AVX2 moves a tail's lanes there).
      {2, 60, 9, Layout::ChannelsFirst},
      {3, 7, 5, Layout::ChannelsLast},    // rows of 7 channels
      {4, 13, 1, Layout::ChannelsFirst},  // NC
      {3, 70, 2, Layout::ChannelsLast},   // wide rows (is_wide_row) with a partial group
  };
  for (const Shape& s : shapes) {
    std::vector<std::unique_ptr<PageEndBuffer>> at_page_end;
    const std::vector<float> got = all_outputs(s, [&](const std::vector<float>& v) {
      return at_page_end.emplace_back(std::make_unique<PageEndBuffer>(v))->span();
    });
    std::vector<std::unique_ptr<GuardedBuffer>> on_heap;
    const std::vector<float> expected = all_outputs(s, [&](const std::vector<float>& v) {
      // The page-end array's offset from a 64-byte boundary (pages are multiples of 64 bytes).
      const std::size_t misalign = (16 - v.size() % 16) % 16;
      GuardedBuffer& b = *on_heap.emplace_back(std::make_unique<GuardedBuffer>(v.size(), misalign));
      b.assign(v);
      return b.span();
    });
    ASSERT_EQ(got.size(), expected.size());
    std::size_t differing = 0;
    for (std::size_t k = 0; k < got.size(); ++k) differing += got[k] != expected[k];
    EXPECT_EQ(differing, 0u) << to_string(s) << ": outputs differ from the heap buffers' at "
                             << differing << " of " << got.size() << " values";
  }
}

INSTANTIATE_TEST_SUITE_P(Isa, PageEnd, ::testing::ValuesIn(all_isas()),
                         isa_test_name<::testing::TestParamInfo<std::string>>);

}  // namespace
}  // namespace simdnorm_test

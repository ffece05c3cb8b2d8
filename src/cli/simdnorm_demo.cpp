// simdnorm_demo: prints the ISA in use and runs a training step of BatchNorm2d on a real tensor,
// so a new checkout shows at a glance that the library works on this machine.

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

#include "simdnorm/simdnorm.hpp"

int main() {
  const simdnorm::Shape shape = simdnorm::Shape::nchw(32, 64, 32, 32);
  std::vector<float> x(shape.numel()), y(shape.numel()), dy(shape.numel()), dx(shape.numel());
  std::mt19937 rng(42);
  std::normal_distribution<float> noise(0.f, 1.f);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = (i / shape.s) % shape.c;
    x[i] = 3.f + 0.5f * float(c) + 2.f * noise(rng);  // every channel off-center and scaled
    dy[i] = noise(rng);
  }

  std::printf("simdnorm %s, ISA %s (available:", simdnorm::version,
              std::string(simdnorm::active_isa()).c_str());
  for (std::string_view isa : simdnorm::available_isas())
    std::printf(" %.*s", int(isa.size()), isa.data());
  std::printf(")\n");

  simdnorm::BatchNorm bn(shape.c);
  const auto t0 = std::chrono::steady_clock::now();
  bn.forward(x, shape, y);
  const auto t1 = std::chrono::steady_clock::now();
  bn.backward(dy, dx);
  const auto t2 = std::chrono::steady_clock::now();

  // Channel 0 of y should now have mean ≈ 0 and std ≈ 1.
  double sum = 0, sq = 0;
  for (std::size_t n = 0; n < shape.n; ++n)
    for (std::size_t i = 0; i < shape.s; ++i) {
      const double v = y[n * shape.c * shape.s + i];
      sum += v;
      sq += v * v;
    }
  const double m = sum / double(shape.per_channel());
  const double sd = std::sqrt(sq / double(shape.per_channel()) - m * m);
  auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
  std::printf("BatchNorm2d on NCHW %s\n", simdnorm::to_string(shape).c_str());
  std::printf("  forward (train) %.3f ms: channel 0 out mean %+.2e std %.6f; batch mean %.4f\n",
              ms(t1 - t0), m, sd, bn.saved_mean()[0]);
  std::printf("  running_mean[0] %.5f running_var[0] %.5f num_batches_tracked %lld\n",
              bn.running_mean()[0], bn.running_var()[0], (long long)bn.num_batches_tracked());
  std::printf("  backward %.3f ms: dgamma[0] %.4f dbeta[0] %.4f dx[0] %.6f\n", ms(t2 - t1),
              bn.weight_grad()[0], bn.bias_grad()[0], dx[0]);
  return 0;
}

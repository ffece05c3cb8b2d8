#include "core/partitioned_kernels.hpp"

#include <algorithm>
#include <optional>
#include <vector>

#include "core/dispatch.hpp"
#include "core/parallel.hpp"
#include "core/partition.hpp"
#include "kernels/tuning.hpp"
#include "simdnorm/threads.hpp"

namespace simdnorm::detail {
namespace {

using kernels::ChannelParams;

// The piece's view of per-channel arrays: they start at its first channel.
const float* at(const float* p, std::size_t c0) {
  return p ? p + c0 : nullptr;
}

ChannelParams piece_params(const ChannelParams& p, const Piece& piece, const Shape& whole) {
  ChannelParams q = p;
  q.mean = at(p.mean, piece.c0);
  q.var = at(p.var, piece.c0);
  q.invstd = at(p.invstd, piece.c0);
  q.weight = at(p.weight, piece.c0);
  q.bias = at(p.bias, piece.c0);
  q.batch_count = p.batch_count ? p.batch_count : whole.per_channel();
  q.call_numel = p.call_numel ? p.call_numel : whole.numel();
  // The pieces go to the pool when it has threads (a call that finds it busy runs them on its own
  // thread, with the same results: this only picks the kind of stores).
  q.threaded = num_threads() > 1;
  return q;
}

// Per-piece partial results (two arrays of channels_per_piece values per piece: the gradient
// sums in float, the moments in double), and the merge's per-part values counts and weights:
// grown once per calling thread, then reused, so calls allocate nothing.
struct Scratch {
  std::vector<float> a, b;
  std::vector<double> mean, var;
  std::vector<double> count, w_old, w_new, cross;
};

Scratch& scratch(std::size_t values, const Partition& part) {
  thread_local Scratch s;
  if (s.a.size() < values) {
    s.a.resize(values);
    s.b.resize(values);
    s.mean.resize(values);
    s.var.resize(values);
  }
  const std::size_t parts = part.parts();
  if (s.count.size() < parts) {
    s.count.resize(parts);
    s.w_old.resize(parts);
    s.w_new.resize(parts);
    s.cross.resize(parts);
  }
  for (std::size_t k = 0; k < parts; ++k) s.count[k] = double(part.part_count(k));
  return s;
}

// Channels per merge task: the merge is a few multiply-adds per channel and part.
constexpr std::size_t kMergeChannels = 256;

// Calls merge(c0, c1) on ranges of at most kMergeChannels channels that each lie in one block of
// the partition's channels, so every part of the range is a contiguous run of one piece's partial
// results: the merge then loops over parts outside and channels inside, a loop of multiply-adds
// the compiler vectorizes, with no index arithmetic per channel. Each channel still merges its
// parts in part order with the same operations, whatever the ranges.
template <class F>
void for_channel_ranges(const Partition& part, std::size_t channels, F&& merge) {
  const std::size_t per_c = part.channels_per_piece();
  parallel_for((channels + kMergeChannels - 1) / kMergeChannels, [&](std::size_t t) {
    const std::size_t c0 = t * kMergeChannels;
    const std::size_t c1 = channels - c0 < kMergeChannels ? channels : c0 + kMergeChannels;
    for (std::size_t b0 = c0, b1; b0 < c1; b0 = b1) {
      b1 = std::min(c1, (b0 / per_c + 1) * per_c);
      merge(b0, b1);
    }
  });
}

// Part k's partial results for channels [c0, …) of one block: a run of the piece's array.
template <class T>
const T* part_run(const std::vector<T>& v, const Partition& part, std::size_t c0, std::size_t k) {
  return v.data() + part.piece_of(c0, k) * part.channels_per_piece() + part.local_channel(c0);
}

// The order an elementwise pass after a reduction walks the pieces in (Tuning::reverse_pass_bytes):
// on one thread, last to first when the reduction's `read_bytes` fit in the cache, so the pass
// starts on what the reduction read last, and ends on the tensor's start, which the next call's
// reduction reads first. On several threads in order: each thread's share of the tasks is then
// the pieces it reduced, in its own L2. Elementwise results do not depend on the order.
class PieceOrder {
 public:
  PieceOrder(const Partition& part, std::size_t read_bytes)
      : last_(part.size() - 1),
        reverse_(num_threads() == 1 && read_bytes <= kernels::tuning().reverse_pass_bytes) {}
  std::size_t operator()(std::size_t i) const { return reverse_ ? last_ - i : i; }

 private:
  std::size_t last_;
  bool reverse_;
};

// Calls f(offset, shape) for the piece's contiguous runs of memory: the piece itself, or, for a
// range of channels of several samples, each sample's run of those channels.
template <class F>
void for_each_run(const Piece& piece, F&& f) {
  if (!piece.strided()) return f(piece.offset, piece.shape);
  const Shape run{1, piece.shape.c, piece.shape.s, piece.shape.layout};
  for (std::size_t n = 0; n < piece.shape.n; ++n) f(piece.offset + n * piece.sample_stride, run);
}

// The channel-pieces cut of a backward's tensor when its passes take it (grad_sums_input): x of at
// least tuning().channel_pass_bytes, every channel in one of several pieces.
std::optional<Partition> backward_channel_pieces(const Shape& s) {
  if (s.numel() * sizeof(float) < kernels::tuning().channel_pass_bytes) return std::nullopt;
  const Partition part(s, Cut::channel_pieces);
  if (part.size() == 1 || part.parts() > 1) return std::nullopt;
  return part;
}

}  // namespace

void PartitionedKernels::piece_moments(const float* x, const Piece& piece, double* mean64,
                                       double* var64, float* mean, float* var) const {
  const std::size_t c0 = piece.c0, c1 = piece.c0 + piece.shape.c;
  k_.moments(x + piece.offset, piece.shape, piece.sample_stride, mean64 + c0, var64 + c0);
  for (std::size_t c = c0; c < c1; ++c) {
    mean[c] = float(mean64[c]);
    var[c] = float(var64[c]);
  }
}

// A single piece of at most this many channels takes its double results on the stack (4 KiB), so
// small calls touch no heap: the wasm module's heap stays flat from its first call.
constexpr std::size_t kStackChannels = 256;

void PartitionedKernels::moments(const float* x, const Shape& s, float* mean, float* var) const {
  const Partition part(s, Cut::whole_channels);
  if (part.size() == 1 && s.c <= kStackChannels) {
    double mean64[kStackChannels], var64[kStackChannels];
    return piece_moments(x, part[0], mean64, var64, mean, var);
  }
  const std::size_t stride = part.channels_per_piece(), parts = part.parts();
  Scratch& r = scratch(std::max(part.size() * stride, s.c), part);
  if (parts == 1) {  // every channel in one piece: its results are final
    parallel_for(part.size(), [&](std::size_t i) {
      piece_moments(x, part[i], r.mean.data(), r.var.data(), mean, var);
    });
    return;
  }
  parallel_for(part.size(), [&](std::size_t i) {
    const Piece piece = part[i];
    k_.moments(x + piece.offset, piece.shape, piece.sample_stride, r.mean.data() + i * stride,
               r.var.data() + i * stride);
  });
  // Chan et al.'s merge in the weighted form (as the moments kernel merges its blocks): with
  // n values merged and b more, mean ← n/(n+b)·mean + b/(n+b)·mean_b and
  // M2 ← M2 + M2_b + δ²·n·b/(n+b). The weights depend on the counts only, the same for every
  // channel. The weighted mean keeps a +Inf mean +Inf (PyTorch's), where mean += δ·b/(n+b)
  // would give Inf − Inf = NaN; the pieces' NaN variance carries the NaN into M2.
  double merged = 0;
  for (std::size_t k = 0; k < parts; ++k) {
    const double b = r.count[k], total = merged + b;
    r.w_old[k] = merged / total;
    r.w_new[k] = b / total;
    r.cross[k] = merged * b / total;
    merged = total;
  }
  for_channel_ranges(part, s.c, [&](std::size_t c0, std::size_t c1) {
    const std::size_t n = c1 - c0;
    double mu[kMergeChannels], m2[kMergeChannels];
    const double *m = part_run(r.mean, part, c0, 0), *v = part_run(r.var, part, c0, 0);
    for (std::size_t j = 0; j < n; ++j) {
      mu[j] = m[j];
      m2[j] = v[j] * r.count[0];
    }
    for (std::size_t k = 1; k < parts; ++k) {
      m = part_run(r.mean, part, c0, k);
      v = part_run(r.var, part, c0, k);
      const double w_old = r.w_old[k], w_new = r.w_new[k], cross = r.cross[k], b = r.count[k];
      for (std::size_t j = 0; j < n; ++j) {
        const double delta = m[j] - mu[j];
        mu[j] = w_old * mu[j] + w_new * m[j];
        m2[j] += v[j] * b + delta * delta * cross;
      }
    }
    for (std::size_t j = 0; j < n; ++j) {
      mean[c0 + j] = float(mu[j]);
      var[c0 + j] = float(m2[j] / merged);
    }
  });
}

void PartitionedKernels::normalize(const float* x, const Shape& s, const ChannelParams& p,
                                   bool relu, float* y, float* x_copy) const {
  const Partition part(s);
  if (part.size() == 1) return k_.normalize(x, s, p, relu, y, x_copy);
  const PieceOrder order(part, s.numel() * sizeof(float));  // moments read x
  parallel_for(part.size(), [&](std::size_t i) {
    const Piece piece = part[order(i)];
    k_.normalize(x + piece.offset, piece.shape, piece_params(p, piece, s), relu, y + piece.offset,
                 x_copy ? x_copy + piece.offset : nullptr);
  });
}

void PartitionedKernels::grad_sums(const float* dy, const float* x, const Shape& s,
                                   const ChannelParams& p, bool relu, float* sum_dy,
                                   float* sum_dy_xmu) const {
  if (const auto pieces = backward_channel_pieces(s)) {
    parallel_for(pieces->size(), [&](std::size_t i) {
      const Piece piece = (*pieces)[i];
      k_.grad_sums(dy + piece.offset, x + piece.offset, piece.shape, piece.sample_stride,
                   piece_params(p, piece, s), relu, sum_dy + piece.c0, sum_dy_xmu + piece.c0);
    });
    return;
  }
  const Partition part(s);
  if (part.size() == 1) return k_.grad_sums(dy, x, s, s.c * s.s, p, relu, sum_dy, sum_dy_xmu);
  const std::size_t stride = part.channels_per_piece(), parts = part.parts();
  Scratch& r = scratch(part.size() * stride, part);
  parallel_for(part.size(), [&](std::size_t i) {
    const Piece piece = part[i];
    k_.grad_sums(dy + piece.offset, x + piece.offset, piece.shape, piece.sample_stride,
                 piece_params(p, piece, s), relu, r.a.data() + i * stride, r.b.data() + i * stride);
  });
  // merge_grad_sums's math: the parts added in double, in order.
  for_channel_ranges(part, s.c, [&](std::size_t c0, std::size_t c1) {
    const std::size_t n = c1 - c0;
    double a[kMergeChannels] = {}, b[kMergeChannels] = {};
    for (std::size_t k = 0; k < parts; ++k) {
      const float *pa = part_run(r.a, part, c0, k), *pb = part_run(r.b, part, c0, k);
      for (std::size_t j = 0; j < n; ++j) {
        a[j] += pa[j];
        b[j] += pb[j];
      }
    }
    for (std::size_t j = 0; j < n; ++j) {
      sum_dy[c0 + j] = float(a[j]);
      sum_dy_xmu[c0 + j] = float(b[j]);
    }
  });
}

void PartitionedKernels::grad_sums_input(const float* dy, const float* x, const Shape& s,
                                         const ChannelParams& p, bool relu, float* sum_dy,
                                         float* sum_dy_xmu, float* dx) const {
  if (const auto pieces = backward_channel_pieces(s)) {
    // Each piece's sums are final: its dx follows at once, while its x and dy are in L2. dx may be
    // x or dy: each piece writes only its own elements, after its sums have read them.
    parallel_for(pieces->size(), [&](std::size_t i) {
      const Piece piece = (*pieces)[i];
      const ChannelParams q = piece_params(p, piece, s);
      float *const piece_dy = sum_dy + piece.c0, *const piece_dy_xmu = sum_dy_xmu + piece.c0;
      k_.grad_sums(dy + piece.offset, x + piece.offset, piece.shape, piece.sample_stride, q, relu,
                   piece_dy, piece_dy_xmu);
      for_each_run(piece, [&](std::size_t offset, const Shape& run) {
        k_.grad_input(dy + offset, x + offset, run, q, relu, true, piece_dy, piece_dy_xmu,
                      dx + offset);
      });
    });
    return;
  }
  grad_sums(dy, x, s, p, relu, sum_dy, sum_dy_xmu);
  grad_input(dy, x, s, p, relu, true, sum_dy, sum_dy_xmu, dx);
}

void PartitionedKernels::grad_input(const float* dy, const float* x, const Shape& s,
                                    const ChannelParams& p, bool relu, bool batch_stats,
                                    const float* sum_dy, const float* sum_dy_xmu, float* dx) const {
  const Partition part(s);
  if (part.size() == 1)
    return k_.grad_input(dy, x, s, p, relu, batch_stats, sum_dy, sum_dy_xmu, dx);
  const PieceOrder order(part, 2 * s.numel() * sizeof(float));  // grad_sums read dy and x
  parallel_for(part.size(), [&](std::size_t i) {
    const Piece piece = part[order(i)];
    k_.grad_input(dy + piece.offset, x + piece.offset, piece.shape, piece_params(p, piece, s), relu,
                  batch_stats, at(sum_dy, piece.c0), at(sum_dy_xmu, piece.c0), dx + piece.offset);
  });
}

void PartitionedKernels::normalize_add_relu(const float* x, const float* z, const Shape& s,
                                            const ChannelParams& p, float* y, float* x_copy) const {
  const Partition part(s);
  if (part.size() == 1) return k_.normalize_add_relu(x, z, s, p, y, x_copy);
  parallel_for(part.size(), [&](std::size_t i) {
    const Piece piece = part[i];
    k_.normalize_add_relu(x + piece.offset, z + piece.offset, piece.shape,
                          piece_params(p, piece, s), y + piece.offset,
                          x_copy ? x_copy + piece.offset : nullptr);
  });
}

template <class Pass>
bool PartitionedKernels::moments_by_piece(const float* x, const Shape& s, const ChannelParams& p,
                                          float* mean, float* var, Pass&& pass) const {
  const Partition part(s, Cut::whole_channels);
  if (part.size() == 1 || part.parts() > 1) return false;
  Scratch& r = scratch(std::max(part.size() * part.channels_per_piece(), s.c), part);
  parallel_for(part.size(), [&](std::size_t i) {
    const Piece piece = part[i];
    piece_moments(x, piece, r.mean.data(), r.var.data(), mean, var);
    const ChannelParams q = piece_params(p, piece, s);
    for_each_run(piece, [&](std::size_t offset, const Shape& run) { pass(offset, run, q); });
  });
  return true;
}

void PartitionedKernels::moments_normalize(const float* x, const Shape& s, const ChannelParams& p,
                                           bool relu, float* y, float* x_copy, float* mean,
                                           float* var) const {
  const auto pass = [&](std::size_t offset, const Shape& run, const ChannelParams& q) {
    k_.normalize(x + offset, run, q, relu, y + offset, x_copy ? x_copy + offset : nullptr);
  };
  if (moments_by_piece(x, s, p, mean, var, pass)) return;
  moments(x, s, mean, var);
  normalize(x, s, p, relu, y, x_copy);
}

void PartitionedKernels::moments_normalize_add_relu(const float* x, const float* z, const Shape& s,
                                                    const ChannelParams& p, float* y, float* x_copy,
                                                    float* mean, float* var) const {
  const auto pass = [&](std::size_t offset, const Shape& run, const ChannelParams& q) {
    k_.normalize_add_relu(x + offset, z + offset, run, q, y + offset,
                          x_copy ? x_copy + offset : nullptr);
  };
  if (moments_by_piece(x, s, p, mean, var, pass)) return;
  moments(x, s, mean, var);
  normalize_add_relu(x, z, s, p, y, x_copy);
}

void PartitionedKernels::relu_mask(const float* dy, const float* y, std::size_t count,
                                   float* dz) const {
  const std::size_t piece = piece_floats();
  parallel_for((count + piece - 1) / piece, [&](std::size_t i) {
    const std::size_t start = i * piece;
    k_.relu_mask(dy + start, y + start, count - start < piece ? count - start : piece, dz + start);
  });
}

PartitionedKernels active_partitioned_kernels() {
  return PartitionedKernels(active_kernels());
}

}  // namespace simdnorm::detail

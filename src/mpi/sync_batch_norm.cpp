// SyncBatchNorm over MPI: argument agreement, the two exchanges, and the sync primitives of
// simdnorm/functional.hpp in between.

#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/validate.hpp"
#include "simdnorm/mpi_sync_batch_norm.hpp"

namespace simdnorm::mpi {
namespace {

using detail::fail;

// What every rank tells the others before the payload: the payload's size depends on C, and a
// rank that throws before the exchange would leave the others waiting in it forever.
struct Header {
  std::uint64_t valid = 0;     // 1 if this rank's arguments passed its own checks
  std::uint64_t channels = 0;  // C
  std::uint64_t count = 0;     // this shard's N·S
  std::uint64_t claimed = 0;   // backward: the whole batch's N·S as this rank was told
};

void check_mpi(int rc, std::string_view fn, std::string_view call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(rc, text, &length);
  throw std::runtime_error("simdnorm: " + std::string(fn) + ": " + std::string(call) +
                           " failed: " + std::string(text, std::size_t(length)));
}

// Checks that need no other rank; an error here is local (the others cannot be reached).
int check_comm(std::string_view fn, MPI_Comm comm) {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  if (!initialized || finalized)
    fail(ErrorCode::state, fn, "comm", "MPI initialized (MPI_Init) and not finalized",
         finalized ? "MPI finalized" : "MPI not initialized");
  if (comm == MPI_COMM_NULL) fail(ErrorCode::type, fn, "comm", "a communicator", "MPI_COMM_NULL");
  int size = 0;
  check_mpi(MPI_Comm_size(comm, &size), fn, "MPI_Comm_size");
  return size;
}

// An MPI count is an int: 2·C floats per rank go in one message.
void check_message_size(std::string_view fn, const Shape& shape) {
  if (shape.c > std::size_t(std::numeric_limits<int>::max() / 2))
    fail(ErrorCode::shape, fn, "shape.c",
         "at most " + std::to_string(std::numeric_limits<int>::max() / 2) +
             " channels (2·C floats per rank in one MPI message)",
         std::to_string(shape.c));
}

// Runs this rank's checks, exchanges the headers and makes every rank throw if any rank's
// arguments were bad or the ranks disagree on C, or (backward: `claimed` given) if any rank's
// count is not the whole batch's N·S.
template <class Check>
std::vector<Header> agree(MPI_Comm comm, int ranks, std::string_view fn, const Shape& shape,
                          std::optional<std::uint64_t> claimed, Check check) {
  std::exception_ptr local;
  try {
    check();
  } catch (const Error&) {
    local = std::current_exception();
  }
  const Header mine{local ? 0u : 1u, shape.c, shape.per_channel(), claimed.value_or(0)};
  std::vector<Header> all(static_cast<std::size_t>(ranks));
  static_assert(sizeof(Header) == 4 * sizeof(std::uint64_t));
  check_mpi(MPI_Allgather(&mine, 4, MPI_UINT64_T, all.data(), 4, MPI_UINT64_T, comm), fn,
            "MPI_Allgather");
  if (local) std::rethrow_exception(local);
  std::uint64_t total = 0;
  for (std::size_t r = 0; r < all.size(); ++r) {
    if (!all[r].valid)
      fail(ErrorCode::state, fn, "comm", "valid arguments on every rank",
           "an invalid call on rank " + std::to_string(r));
    if (all[r].channels != all[0].channels)
      fail(ErrorCode::shape, fn, "shape.c",
           "the same C on every rank (" + std::to_string(all[0].channels) + " on rank 0)",
           std::to_string(all[r].channels) + " on rank " + std::to_string(r));
    total += all[r].count;
  }
  for (std::size_t r = 0; claimed && r < all.size(); ++r)
    if (all[r].claimed != total)
      fail(ErrorCode::shape, fn, "count",
           "the whole batch's N·S = " + std::to_string(total) + " on every rank",
           std::to_string(all[r].claimed) + " on rank " + std::to_string(r));
  return all;
}

// Every rank's `mine`, rank after rank.
std::vector<float> all_gather(MPI_Comm comm, int ranks, std::string_view fn,
                              const std::vector<float>& mine) {
  std::vector<float> all(mine.size() * static_cast<std::size_t>(ranks));
  check_mpi(MPI_Allgather(mine.data(), int(mine.size()), MPI_FLOAT, all.data(), int(mine.size()),
                          MPI_FLOAT, comm),
            fn, "MPI_Allgather");
  return all;
}

}  // namespace

std::size_t sync_forward_training(MPI_Comm comm, std::span<const float> x, const Shape& shape,
                                  const NormParams& params, std::span<float> y,
                                  std::span<float> save_mean, std::span<float> save_invstd,
                                  std::span<float> batch_var) {
  constexpr std::string_view fn = "mpi::sync_forward_training";
  const int ranks = check_comm(fn, comm);
  const std::vector<Header> headers = agree(comm, ranks, fn, shape, std::nullopt, [&] {
    check_message_size(fn, shape);
    detail::check_forward_training_args(fn, x, shape, params, y, save_mean, save_invstd, batch_var);
  });

  const std::size_t c = shape.c;
  std::vector<float> mine(2 * c);
  partial_moments(x, shape, std::span(mine).first(c), std::span(mine).last(c));
  const std::vector<float> all = all_gather(comm, ranks, fn, mine);
  std::vector<MomentsPart> parts(headers.size());
  for (std::size_t r = 0; r < headers.size(); ++r) {
    const std::span<const float> part = std::span(all).subspan(2 * c * r, 2 * c);
    parts[r] = {std::size_t(headers[r].count), part.first(c), part.last(c)};
  }
  std::vector<float> own_var(batch_var.empty() ? c : 0);
  const std::span<float> var = batch_var.empty() ? std::span<float>(own_var) : batch_var;
  const std::size_t count = merge_moments(parts, save_mean, var);
  if (count == 1)
    fail(ErrorCode::shape, fn, "x", "more than 1 value per channel when training",
         "1 value per channel over " + std::to_string(ranks) + " ranks");
  forward_with_stats(x, shape, params, save_mean, var, y, save_invstd);
  return count;
}

void sync_backward_training(MPI_Comm comm, std::span<const float> dy, std::span<const float> x,
                            const Shape& shape, const NormParams& params,
                            std::span<const float> save_mean, std::span<const float> save_invstd,
                            std::size_t count, const Gradients& grads) {
  constexpr std::string_view fn = "mpi::sync_backward_training";
  const int ranks = check_comm(fn, comm);
  agree(comm, ranks, fn, shape, count, [&] {
    check_message_size(fn, shape);
    detail::check_backward_training_args(fn, dy, x, shape, params, save_mean, save_invstd, grads);
  });

  const std::size_t c = shape.c;
  std::vector<float> mine(2 * c);
  const std::span<float> local_dy = std::span(mine).first(c),
                         local_dy_xmu = std::span(mine).last(c);
  partial_grad_sums(dy, x, shape, params, save_mean, save_invstd, local_dy, local_dy_xmu);
  const std::vector<float> all = all_gather(comm, ranks, fn, mine);
  std::vector<GradSumsPart> parts(static_cast<std::size_t>(ranks));
  for (std::size_t r = 0; r < parts.size(); ++r) {
    const std::span<const float> part = std::span(all).subspan(2 * c * r, 2 * c);
    parts[r] = {part.first(c), part.last(c)};
  }
  std::vector<float> sums(2 * c);
  merge_grad_sums(parts, std::span(sums).first(c), std::span(sums).last(c));
  // dx from the whole batch's sums; dγ/dβ from this shard's (PyTorch's split: the data-parallel
  // all-reduce of every parameter gradient completes them).
  backward_from_sums(dy, x, shape, params, save_mean, save_invstd, local_dy, local_dy_xmu, count,
                     {{}, grads.dweight, grads.dbias});
  if (!grads.dx.empty())
    backward_from_sums(dy, x, shape, params, save_mean, save_invstd, std::span(sums).first(c),
                       std::span(sums).last(c), count, {grads.dx, {}, {}});
}

}  // namespace simdnorm::mpi

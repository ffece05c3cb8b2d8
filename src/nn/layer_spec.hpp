#pragma once
// A layer described by data, as the JavaScript API and the command line give it: the torch.nn
// class name in camelCase ("conv2d", "batchNorm2d") and torch's argument names in camelCase
// ("inChannels", "kernelSize"). Each layer type reads its arguments through SpecArgs, which
// rejects wrong types, out-of-range values and unknown names with "argument: expected …, given …".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace simdnorm::nn {

// null (e.g. momentum: null = cumulative average), a flag, an integer, a real number or a name
// (batchNorm: 'per-step').
using SpecValue = std::variant<std::nullptr_t, bool, std::int64_t, double, std::string>;

struct LayerSpec {
  std::string type;
  std::vector<std::pair<std::string, SpecValue>> args;
};

// The largest integer argument (a feature, channel or kernel count; a stride).
inline constexpr std::int64_t kMaxSpecInteger = std::int64_t(1) << 24;

class SpecArgs {
 public:
  explicit SpecArgs(const LayerSpec& spec);

  // An integer in [minimum, kMaxSpecInteger]; `fallback` when absent (required when nullopt).
  std::size_t integer(std::string_view name, std::size_t minimum,
                      std::optional<std::size_t> fallback = std::nullopt);
  bool flag(std::string_view name, bool fallback);
  // A finite number in [lo, hi]; null accepted (and returned as nullopt) when `nullable`.
  std::optional<float> number(std::string_view name, float lo, float hi,
                              std::optional<float> fallback, bool nullable = false);
  // The index in `choices` of the given value (batchNorm: false | 'per-step' | 'shared');
  // `fallback` when absent. A value of another kind is a type error, an unlisted one a range error.
  std::size_t choice(std::string_view name, std::span<const SpecValue> choices,
                     std::size_t fallback);
  // Throws if the spec has an argument none of the calls above asked for.
  void finish() const;

 private:
  const SpecValue* find(std::string_view name);
  const LayerSpec& spec_;
  std::vector<bool> used_;
  std::string known_;  // the names asked for, for the unknown-argument message
};

// "1", "0.5", "true", "null", "'shared'" — how a given value reads in an error message.
std::string to_string(const SpecValue& value);

}  // namespace simdnorm::nn

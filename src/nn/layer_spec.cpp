#include "nn/layer_spec.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

#include "simdnorm/error.hpp"

namespace simdnorm::nn {

std::string to_string(const SpecValue& value) {
  if (std::holds_alternative<std::nullptr_t>(value)) return "null";
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const std::int64_t* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const std::string* name = std::get_if<std::string>(&value)) return "'" + *name + "'";
  // Whole numbers as written (JavaScript passes every number as a double): 4294967299,
  // not 4.29e+09.
  const double d = std::get<double>(value);
  if (std::trunc(d) == d && std::fabs(d) < 9.0e15) return std::to_string(std::int64_t(d));
  std::ostringstream s;
  s << d;
  return s.str();
}

SpecArgs::SpecArgs(const LayerSpec& spec) : spec_(spec), used_(spec.args.size(), false) {}

const SpecValue* SpecArgs::find(std::string_view name) {
  if (!known_.empty()) known_ += ", ";
  known_ += name;
  for (std::size_t i = 0; i < spec_.args.size(); ++i)
    if (spec_.args[i].first == name) {
      if (used_[i])
        throw Error(ErrorCode::range, std::string(name) + ": expected once, given twice");
      used_[i] = true;
      return &spec_.args[i].second;
    }
  return nullptr;
}

std::size_t SpecArgs::integer(std::string_view name, std::size_t minimum,
                              std::optional<std::size_t> fallback) {
  const SpecValue* v = find(name);
  const std::string expected = "an integer ≥ " + std::to_string(minimum);
  if (!v) {
    if (fallback) return *fallback;
    throw Error(ErrorCode::type, std::string(name) + ": expected " + expected + ", given none");
  }
  std::int64_t i = 0;
  if (const std::int64_t* p = std::get_if<std::int64_t>(v)) {
    i = *p;
  } else if (const double* d = std::get_if<double>(v);
             d && std::isfinite(*d) && std::trunc(*d) == *d && std::fabs(*d) < 9.0e15) {
    i = std::int64_t(*d);
  } else {
    throw Error(ErrorCode::type,
                std::string(name) + ": expected " + expected + ", given " + to_string(*v));
  }
  // A count beyond 2^24 is a mistake, and beyond size_t it would wrap in 32-bit wasm.
  if (i > kMaxSpecInteger)
    throw Error(ErrorCode::range, std::string(name) + ": expected at most " +
                                      std::to_string(kMaxSpecInteger) + ", given " + to_string(*v));
  if (i < std::int64_t(minimum))
    throw Error(ErrorCode::range,
                std::string(name) + ": expected " + expected + ", given " + to_string(*v));
  return std::size_t(i);
}

bool SpecArgs::flag(std::string_view name, bool fallback) {
  const SpecValue* v = find(name);
  if (!v) return fallback;
  if (const bool* b = std::get_if<bool>(v)) return *b;
  throw Error(ErrorCode::type,
              std::string(name) + ": expected true or false, given " + to_string(*v));
}

std::optional<float> SpecArgs::number(std::string_view name, float lo, float hi,
                                      std::optional<float> fallback, bool nullable) {
  const SpecValue* v = find(name);
  if (!v) return fallback;
  std::ostringstream expected;
  expected << "a number in [" << lo << ", " << hi << "]" << (nullable ? " or null" : "");
  if (nullable && std::holds_alternative<std::nullptr_t>(*v)) return std::nullopt;
  double d = 0;
  if (const double* p = std::get_if<double>(v)) {
    d = *p;
  } else if (const std::int64_t* p = std::get_if<std::int64_t>(v)) {
    d = double(*p);
  } else {
    throw Error(ErrorCode::type,
                std::string(name) + ": expected " + expected.str() + ", given " + to_string(*v));
  }
  if (!(d >= lo && d <= hi))
    throw Error(ErrorCode::range,
                std::string(name) + ": expected " + expected.str() + ", given " + to_string(*v));
  return float(d);
}

std::size_t SpecArgs::choice(std::string_view name, std::span<const SpecValue> choices,
                             std::size_t fallback) {
  const SpecValue* v = find(name);
  if (!v) return fallback;
  std::string expected = "one of ";
  bool same_kind = false;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == *v) return i;
    same_kind = same_kind || choices[i].index() == v->index();
    expected += (i ? ", " : "") + to_string(choices[i]);
  }
  throw Error(same_kind ? ErrorCode::range : ErrorCode::type,
              std::string(name) + ": expected " + expected + ", given " + to_string(*v));
}

void SpecArgs::finish() const {
  for (std::size_t i = 0; i < spec_.args.size(); ++i)
    if (!used_[i])
      throw Error(ErrorCode::type, spec_.args[i].first + ": expected one of the arguments of " +
                                       spec_.type + " (" + (known_.empty() ? "none" : known_) +
                                       "), given an unknown argument");
}

}  // namespace simdnorm::nn

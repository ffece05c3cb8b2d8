#pragma once
// The one exception type simdnorm throws for a bad call. It is a std::invalid_argument, so
// existing `catch (const std::invalid_argument&)` keeps working; code() says which kind of mistake
// it was without parsing the text (the JavaScript bindings map it to TypeError/RangeError/Error).
// what() reads "simdnorm: <function>: <argument>: expected <what>, got <given>".

#include <stdexcept>
#include <string>

namespace simdnorm {

enum class ErrorCode {
  shape,  // sizes that do not fit together: a span of the wrong length, C = 0, N·S = 1 to train
  range,  // a value outside what the argument accepts: eps ≤ 0, momentum > 1, an unknown name
  state,  // a call the object's state does not allow: backward() before forward()
  type,   // an argument of the wrong kind: a flag where a number belongs, an unknown or missing key
};

class Error : public std::invalid_argument {
 public:
  Error(ErrorCode code, const std::string& what) : std::invalid_argument(what), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace simdnorm

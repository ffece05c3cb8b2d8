#pragma once
// The one way a C++ exception leaves the wasm module. Every Embind binding is registered as
// guard<&function> (or guard<&Class::method>); whatever it throws becomes a JavaScript error
// with a stable `code` instead of an opaque WebAssembly.Exception:
//   simdnorm::Error, ErrorCode::shape  ->  RangeError  code 'SIMDNORM_SHAPE'
//   simdnorm::Error, ErrorCode::range  ->  RangeError  code 'SIMDNORM_RANGE'
//   simdnorm::Error, ErrorCode::state  ->  Error       code 'SIMDNORM_STATE'
//   simdnorm::Error, ErrorCode::type   ->  TypeError   code 'SIMDNORM_TYPE'
//   std::bad_alloc                     ->  RangeError  code 'SIMDNORM_MEMORY'
//   anything else                      ->  Error       code 'SIMDNORM_INTERNAL' (a bug)
// The message is the C++ what(), already "simdnorm: <function>: <argument>: expected …, got …".
// wasm/errors.js documents the same codes for the JavaScript side.

#include <emscripten/val.h>

#include <exception>
#include <new>
#include <string>
#include <utility>

#include "simdnorm/error.hpp"

namespace simdnorm::wasm {

[[noreturn]] inline void throw_js(const char* type, const char* code, const std::string& message) {
  emscripten::val error = emscripten::val::global(type).new_(message);
  error.set("code", std::string(code));
  error.throw_();
  __builtin_unreachable();
}

// Rethrows the exception being handled as a JavaScript error; call it only inside a catch block.
[[noreturn]] inline void rethrow_as_js() {
  try {
    throw;
  } catch (const Error& e) {
    switch (e.code()) {
      case ErrorCode::shape:
        throw_js("RangeError", "SIMDNORM_SHAPE", e.what());
      case ErrorCode::range:
        throw_js("RangeError", "SIMDNORM_RANGE", e.what());
      case ErrorCode::state:
        throw_js("Error", "SIMDNORM_STATE", e.what());
      case ErrorCode::type:
        throw_js("TypeError", "SIMDNORM_TYPE", e.what());
    }
    throw_js("Error", "SIMDNORM_INTERNAL", e.what());
  } catch (const std::bad_alloc&) {
    throw_js("RangeError", "SIMDNORM_MEMORY",
             "simdnorm: out of wasm memory (the heap grows to 2 GiB at most)");
  } catch (const std::exception& e) {
    throw_js("Error", "SIMDNORM_INTERNAL", std::string("simdnorm: internal error: ") + e.what());
  } catch (...) {
    throw_js("Error", "SIMDNORM_INTERNAL", "simdnorm: internal error: an unknown C++ exception");
  }
}

template <auto Fn>
struct Guarded;

template <class R, class... Args, R (*Fn)(Args...)>
struct Guarded<Fn> {
  static R call(Args... args) {
    try {
      return Fn(std::forward<Args>(args)...);
    } catch (...) {
      rethrow_as_js();
    }
  }
};

template <class R, class C, class... Args, R (C::*Fn)(Args...)>
struct Guarded<Fn> {
  static R call(C& self, Args... args) {
    try {
      return (self.*Fn)(std::forward<Args>(args)...);
    } catch (...) {
      rethrow_as_js();
    }
  }
};

template <class R, class C, class... Args, R (C::*Fn)(Args...) const>
struct Guarded<Fn> {
  static R call(const C& self, Args... args) {
    try {
      return (self.*Fn)(std::forward<Args>(args)...);
    } catch (...) {
      rethrow_as_js();
    }
  }
};

// What a binding registers: `em::function("name", guard<&f>)`, `.function("m", guard<&C::m>)`.
template <auto Fn>
inline constexpr auto guard = &Guarded<Fn>::call;

}  // namespace simdnorm::wasm

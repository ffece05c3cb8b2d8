#pragma once
// simdnorm: batch normalization on float32 tensors, SIMD-dispatched at run time.

#include "simdnorm/batch_norm.hpp"       // IWYU pragma: export
#include "simdnorm/error.hpp"            // IWYU pragma: export
#include "simdnorm/functional.hpp"       // IWYU pragma: export
#include "simdnorm/isa.hpp"              // IWYU pragma: export
#include "simdnorm/shape.hpp"            // IWYU pragma: export
#include "simdnorm/step_batch_norm.hpp"  // IWYU pragma: export
#include "simdnorm/threads.hpp"          // IWYU pragma: export
#include "simdnorm/version.hpp"          // IWYU pragma: export

#pragma once

namespace simdnorm {
inline constexpr const char* version = "0.1.0";
}

#pragma once
// Can this CPU, under this OS, run an ISA? One function per "CPU check" of src/arch/isa_list.hpp.
// Every function exists on every processor (false where it cannot apply), so the list compiles
// everywhere; dispatch only calls the checks of the ISAs the build has.

namespace simdnorm::cpu {

bool always();
bool x86_avx2_fma();       // AVX2 + FMA3, and the OS saves the YMM registers
bool x86_avx512_dq_fma();  // AVX-512 F + DQ, FMA3, and the OS saves the ZMM and opmask registers

}  // namespace simdnorm::cpu

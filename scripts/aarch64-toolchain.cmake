# Cross-compiling simdnorm for 64-bit ARM (aarch64) with Debian's cross toolchain
# (g++-aarch64-linux-gnu) and arm64 multiarch packages (libgtest-dev:arm64, libbenchmark-dev:arm64).
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=scripts/aarch64-toolchain.cmake
# ctest then runs every test executable through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR).

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# The C library lives in the cross sysroot; multiarch packages install their libraries and CMake
# package files under /usr/lib/aarch64-linux-gnu, which "/" with this library architecture finds
# (and never the x86-64 ones in /usr/lib/x86_64-linux-gnu).
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# -L: where qemu finds the aarch64 dynamic loader (the cross toolchain's glibc). -E sets
# LD_LIBRARY_PATH for the emulated program only (qemu itself, an x86-64 program, keeps its own):
# the C and C++ libraries from the same sysroot as that loader, then the arm64 multiarch
# packages' libraries (libbenchmark.so). The multiarch libc6:arm64 must not be the one loaded:
# it is a different build of glibc than the cross loader, and glibc's loader and libc share
# private structures whose layout differs between builds (pthread_create then loops forever).
set(CMAKE_CROSSCOMPILING_EMULATOR
    qemu-aarch64 -L /usr/aarch64-linux-gnu -E
    LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib:/usr/lib/aarch64-linux-gnu)

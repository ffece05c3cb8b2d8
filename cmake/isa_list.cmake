# The instruction sets, read from the one list in src/arch/isa_list.hpp. Sets
#   SIMDNORM_ISA_IDS                     every listed ISA, best first
#   SIMDNORM_ISA_{NAME,PROCESSOR,ARCH,FLAGS,QEMU}_<id>   its columns (FLAGS is a CMake list)
#   SIMDNORM_ARCHS                       the ones this build compiles (its processor; none when
#                                        SIMDNORM_SIMD is OFF), best first
# writes <build>/isa_list.tsv for the scripts, and defines
#   simdnorm_isa_files(<target> <dir>)   adds <dir>/<id>.cpp with its flags for each compiled ISA
#   simdnorm_isa_definitions(<target>)   SIMDNORM_ISA_BUILT_<id>=0|1 (src/arch/built_isas.hpp)

set(SIMDNORM_ISA_LIST ${PROJECT_SOURCE_DIR}/src/arch/isa_list.hpp)
set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${SIMDNORM_ISA_LIST})
file(READ ${SIMDNORM_ISA_LIST} text)
# Without the macro's line continuations: a trailing backslash would escape CMake's list separator.
string(REPLACE "\\\n" "\n" text "${text}")
string(REGEX MATCHALL "\n  X\\([^\n]*" rows "${text}")
if(NOT rows)
  message(FATAL_ERROR "${SIMDNORM_ISA_LIST}: no rows \"  X(...)\" found")
endif()
# X(id, "name", "processor", xsimd arch, "flags", CPU check, "qemu CPU")
set(row_regex "^\n  X\\(([a-z0-9_]+), *\"([a-z0-9-]+)\", *\"([a-z0-9_]+)\", *([^ ,]+), *\"([^\"]*)\", *([a-z0-9_]+), *\"([^\"]*)\"\\) *$")
set(SIMDNORM_ISA_IDS "")
foreach(row IN LISTS rows)
  if(NOT row MATCHES "${row_regex}")
    message(FATAL_ERROR "${SIMDNORM_ISA_LIST}: cannot read this row (see the column list above it):\n${row}")
  endif()
  set(id ${CMAKE_MATCH_1})
  list(APPEND SIMDNORM_ISA_IDS ${id})
  set(SIMDNORM_ISA_NAME_${id} ${CMAKE_MATCH_2})
  set(SIMDNORM_ISA_PROCESSOR_${id} ${CMAKE_MATCH_3})
  set(SIMDNORM_ISA_ARCH_${id} ${CMAKE_MATCH_4})
  separate_arguments(SIMDNORM_ISA_FLAGS_${id} UNIX_COMMAND "${CMAKE_MATCH_5}")
  set(SIMDNORM_ISA_QEMU_${id} ${CMAKE_MATCH_7})
endforeach()

if(EMSCRIPTEN)
  set(SIMDNORM_PROCESSOR wasm32)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(SIMDNORM_PROCESSOR x86_64)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(SIMDNORM_PROCESSOR aarch64)
else()
  set(SIMDNORM_PROCESSOR ${CMAKE_SYSTEM_PROCESSOR})
endif()
set(SIMDNORM_ARCHS "")
foreach(id IN LISTS SIMDNORM_ISA_IDS)
  if(SIMDNORM_SIMD AND SIMDNORM_ISA_PROCESSOR_${id} STREQUAL SIMDNORM_PROCESSOR)
    list(APPEND SIMDNORM_ARCHS ${id})
  endif()
endforeach()
message(STATUS "simdnorm: ISAs for ${SIMDNORM_PROCESSOR}: ${SIMDNORM_ARCHS} (+ the scalar reference)")

# name, id, processor, built here (1/0), xsimd arch, flags, qemu CPU: tab-separated, best first;
# the scalar reference last.
set(tsv "")
foreach(id IN LISTS SIMDNORM_ISA_IDS)
  set(built 0)
  if(id IN_LIST SIMDNORM_ARCHS)
    set(built 1)
  endif()
  list(JOIN SIMDNORM_ISA_FLAGS_${id} " " flags)
  string(APPEND tsv "${SIMDNORM_ISA_NAME_${id}}\t${id}\t${SIMDNORM_ISA_PROCESSOR_${id}}\t${built}\t"
    "${SIMDNORM_ISA_ARCH_${id}}\t${flags}\t${SIMDNORM_ISA_QEMU_${id}}\n")
endforeach()
string(APPEND tsv "scalar\tscalar\tany\t1\t\t\t\n")
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/isa_list.tsv CONTENT "${tsv}")

function(simdnorm_isa_definitions target)
  foreach(id IN LISTS SIMDNORM_ISA_IDS)
    set(built 0)
    if(id IN_LIST SIMDNORM_ARCHS)
      set(built 1)
    endif()
    target_compile_definitions(${target} PRIVATE SIMDNORM_ISA_BUILT_${id}=${built})
  endforeach()
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR}/src)
endfunction()

# A kernel family's per-ISA files: every listed ISA must have <dir>/<id>.cpp, whether or not this
# build compiles it, so a forgotten file fails on every machine, not only on its processor.
function(simdnorm_isa_files target dir)
  foreach(id IN LISTS SIMDNORM_ISA_IDS)
    if(NOT EXISTS ${dir}/${id}.cpp)
      message(FATAL_ERROR "${dir}/${id}.cpp is missing: every ISA of src/arch/isa_list.hpp needs "
        "one there, instantiating the kernel families of ${target} (HACKING.md, \"Adding an "
        "instruction set\")")
    endif()
  endforeach()
  foreach(id IN LISTS SIMDNORM_ARCHS)
    target_sources(${target} PRIVATE ${dir}/${id}.cpp)
    set_source_files_properties(${dir}/${id}.cpp PROPERTIES COMPILE_OPTIONS "${SIMDNORM_ISA_FLAGS_${id}}")
  endforeach()
  simdnorm_isa_definitions(${target})
endfunction()

// The threaded build's copy of libunwind's WebAssembly exception-handling entry points, so that
// `catch (const simdnorm::Error&)` matches under -pthread as it does in the single-thread builds.
//
// Why: every landing pad clang emits stores its index and LSDA into the global
// __wasm_lpad_context and calls _Unwind_CallPersonality, whose personality function reads them to
// pick the matching catch clause. Debian's clang 14 addresses that global as an ordinary one, but
// Emscripten 3.1.6's prebuilt libunwind-mt-except declares it thread_local (LLVM ≥ 15 makes both
// sides TLS). wasm-ld links the two anyway: the landing pads write a small absolute address (the
// variable's offset in the TLS block) while the personality reads the thread's own copy, finds no
// LSDA, and so no typed catch ever matches; only `catch (...)` does, and every C++ error reached
// JS as SIMDNORM_INTERNAL. Without -pthread the library's variable is not TLS and both agree.
//
// These definitions replace the library's single object (Unwind-wasm.o, which the linker then does
// not extract) with the same code around a plain global, as clang 14 expects. A plain global is
// shared by all threads: only one thread may be unwinding at a time. That holds here: the pool's
// workers run kernels, which do not throw, and a module instance is called from one JS thread.

#include <cstdint>

// Declared here as Emscripten's libunwind declares them (clang's own <unwind.h>, first on the
// include path, gives the same functions other types).
extern "C" {

enum _Unwind_Reason_Code { _URC_FOREIGN_EXCEPTION_CAUGHT = 1 };
enum _Unwind_Action { _UA_CLEANUP_PHASE = 2 };
struct _Unwind_Context;
struct _Unwind_Exception {
  std::uint64_t exception_class;
  void (*exception_cleanup)(_Unwind_Reason_Code reason, _Unwind_Exception* exception);
  // The private fields that follow are the library's.
};

_Unwind_Reason_Code __gxx_personality_wasm0(int version, _Unwind_Action actions,
                                            std::uint64_t exception_class,
                                            _Unwind_Exception* exception, _Unwind_Context* context);

// The layout clang's landing pads write: inputs lpad_index and lsda, output selector.
struct _Unwind_LandingPadContext {
  std::uintptr_t lpad_index;
  std::uintptr_t lsda;
  std::uintptr_t selector;
};

_Unwind_LandingPadContext __wasm_lpad_context;

// Called by every landing pad: wasm unwinds in the engine, so the personality runs from here, and
// only its cleanup phase (no two-phase unwinding).
_Unwind_Reason_Code _Unwind_CallPersonality(void* exception_ptr) {
  auto* exception = static_cast<_Unwind_Exception*>(exception_ptr);
  __wasm_lpad_context.selector = 0;
  return __gxx_personality_wasm0(1, _UA_CLEANUP_PHASE, exception->exception_class, exception,
                                 reinterpret_cast<_Unwind_Context*>(&__wasm_lpad_context));
}

// Called by __cxa_throw: tag 0 is the C++ exception tag.
_Unwind_Reason_Code _Unwind_RaiseException(_Unwind_Exception* exception) {
  __builtin_wasm_throw(0, exception);
}

// Called by __cxa_end_catch.
void _Unwind_DeleteException(_Unwind_Exception* exception) {
  if (exception->exception_cleanup != nullptr)
    exception->exception_cleanup(_URC_FOREIGN_EXCEPTION_CAUGHT, exception);
}

// The personality's view of the context: it sets the selector (register 1), reads the landing
// pad as a 1-based index after subtracting 1 from the "IP", and reads the LSDA.
void _Unwind_SetGR(_Unwind_Context* context, int index, std::uintptr_t value) {
  if (index == 1) reinterpret_cast<_Unwind_LandingPadContext*>(context)->selector = value;
}

std::uintptr_t _Unwind_GetIP(_Unwind_Context* context) {
  return reinterpret_cast<_Unwind_LandingPadContext*>(context)->lpad_index + 2;
}

void _Unwind_SetIP(_Unwind_Context*, std::uintptr_t) {}

std::uintptr_t _Unwind_GetLanguageSpecificData(_Unwind_Context* context) {
  return reinterpret_cast<_Unwind_LandingPadContext*>(context)->lsda;
}

std::uintptr_t _Unwind_GetRegionStart(_Unwind_Context*) {
  return 0;
}

}  // extern "C"

#include "CExecutorHook.h"

// The runtime's hook (libswift_Concurrency): a pointer to a function, null unless set. Declared as
// an opaque pointer; its real type is a Swift-convention function pointer. Linked by name, so it is
// found both in the static runtime of a release build of acpd (where the symbol is not exported,
// so `dlsym` cannot see it) and in the shared runtime of a debug build.
extern const void *swift_task_enqueueGlobal_hook;

int acpd_install_global_enqueue_hook(const void *hook) {
    if (__atomic_load_n(&swift_task_enqueueGlobal_hook, __ATOMIC_ACQUIRE) != 0) return 0;
    const void *expected = 0;
    return __atomic_compare_exchange_n(&swift_task_enqueueGlobal_hook, &expected, hook, 0,
                                       __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ? 1 : 0;
}

#ifndef ACPD_EXECUTOR_HOOK_H
#define ACPD_EXECUTOR_HOOK_H

/// Stores `hook` in the Swift concurrency runtime's `swift_task_enqueueGlobal_hook` unless a hook
/// is already set; returns 1 when it stored it. `hook` is a `@convention(thin)` Swift function
/// (the runtime calls it with the Swift calling convention), passed as an opaque pointer.
int acpd_install_global_enqueue_hook(const void *hook);

#endif

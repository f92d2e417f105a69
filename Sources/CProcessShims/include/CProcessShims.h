#ifndef QACTL_C_PROCESS_SHIMS_H
#define QACTL_C_PROCESS_SHIMS_H

#include <spawn.h>

/// pipe(2) with both ends close-on-exec from the start (pipe2 with O_CLOEXEC
/// where the C library has it): no window in which a child spawned by another
/// thread could inherit them. Returns 0, or -1 with errno set.
int qactl_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np: every descriptor from `from` up
/// is closed in the child. Returns 0, or ENOSYS where the C library lacks it.
int qactl_spawn_add_close_from(posix_spawn_file_actions_t *actions, int from);

/// posix_spawn_file_actions_addchdir_np: the child starts in `path`.
/// Returns 0, or ENOSYS where the C library lacks it.
int qactl_spawn_add_chdir(posix_spawn_file_actions_t *actions, const char *path);

#endif

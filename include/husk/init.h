/* The container's init: everything the parent resolved before clone, and
   the ordered setup sequence the child runs inside the new namespaces. */
#ifndef HUSK_INIT_H
#define HUSK_INIT_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "husk/caps.h"
#include "husk/exe.h"
#include "husk/mount_opts.h"
#include "husk/namespaces.h"
#include "husk/proc_settings.h"
#include "husk/rlimits.h"
#include "husk/seccomp.h"
#include "husk/spec.h"
#include "husk/state.h"

/* Built by the parent; the child reads its own copy (clone without CLONE_VM). */
struct husk_launch
{
  const struct husk_spec *spec;
  const char *id;
  const char *bundle; /* absolute */
  const char *rootfs; /* absolute */
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds; /* fds 3 .. 3+preserve_fds-1 reach the process */

  struct husk_ns_plan ns;
  bool new_userns;
  bool in_userns;  /* new or joined: become its root */
  bool ns_request; /* the parent has work once the namespaces exist (SYNC_NAMESPACES) */
  unsigned long rootfs_propagation;
  struct husk_mount_plan *mount_plans;
  int *idmap_trees; /* per mount: -1, or an idmapped tree to attach (mount_idmap.h) */
  bool has_caps;
  struct husk_cap_sets caps;
  struct husk_rlimit_setting *rlimits;
  size_t n_rlimits;
  struct husk_proc_settings settings; /* scheduler, ioPriority, personality, ... */
  struct husk_seccomp_prog *seccomp;
  bool hooks_before_pivot; /* prestart/createRuntime/createContainer configured */

  int sync_fd;                    /* child's end of the sync socket */
  int fifo_fd;                    /* O_PATH of exec.fifo, -1 for run (SYNC_START instead) */
  pid_t parent_pid;               /* for the parent-death check */
  const struct husk_state *state; /* the parent's, for the hooks run in the init */
  sigset_t sigmask;               /* restored before execve */
  struct husk_exe_plan exe;       /* the trampoline for the final exec, if any */
};

/* Run the setup sequence and execve the process; on failure send the error
   up the sync socket and _exit.  Never returns. */
__attribute__ ((noreturn)) void husk_init_run (struct husk_launch *l);

#endif

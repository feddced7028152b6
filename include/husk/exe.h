/* Protection against overwriting the runtime binary from inside a
   container (CVE-2019-5736).

   The attack: a process of the container gets hold of the husk binary on
   the host through a husk process it can see, as /proc/<pid>/exe (also
   /proc/self/exe while a `#!/proc/self/exe` entrypoint is being exec'd by
   husk), keeps the file open, and writes it once husk has exited.

   Three ways to close it, cheapest first:

   DIRECT  The binary cannot be written: it sits on a read-only mount, or
           this process already runs from a sealed copy.  Nothing to do.
   DMZ     husk execs the program through husk-dmz (src/dmz/dmz.c), a
           static executable of a few hundred bytes, from a sealed memfd
           made per run (writing a few hundred bytes, not a 1-2 MB copy and
           a second start-up of husk).  When the program's execve runs,
           /proc/self/exe is that memfd, so a `#!/proc/self/exe` entrypoint
           gets the trampoline, which cannot be written.  What stays a host
           file is the exe of husk's own processes before that exec.  The
           runtime (create/run/exec) lives in husk's pid namespace, which the
           container sees only when it shares it (then COPY, (b) below).
           Its child, while it sets up, is in the container's pid namespace:
           it is made non-dumpable before any process of the container can
           see it (the exec child from birth, the init before it reports
           ready, which is before anything can join its new pid namespace),
           and then opening /proc/<pid>/exe needs CAP_SYS_PTRACE in husk's
           user namespace (the task's mm->user_ns): being the same uid, root
           of a user namespace, or holding every other capability is not
           enough.
   COPY    husk re-execs itself from a sealed memfd copy of its binary, so
           every husk process shows a sealed file as exe (the former
           per-run behaviour, 1.7 ms CPU per run).

   The trampoline is chosen unless something the config controls could
   hold CAP_SYS_PTRACE in husk's user namespace while seeing a husk process:

   (a) The process, or its container, may have CAP_SYS_PTRACE: it is in one
       of its capability sets (any of the five: a program can regain what
       is in its bounding set through file capabilities), or capabilities
       are left as husk's own — and it runs in husk's user namespace.  A
       process in a user namespace husk created or joined (always below
       husk's) has no capability in husk's, whatever its sets.  For exec,
       the container's config counts too (its processes may watch the exec
       child), and so does any earlier exec of the same container that got
       CAP_SYS_PTRACE: such an exec leaves a mark in the state directory.
   (b) The pid namespace is not new: joined by path, or husk's own.  Then
       processes husk knows nothing about (other containers of a pod, the
       host) share it and see the init and the runtime, whatever this
       config's user namespace is.  For exec, the container's config decides
       the same way.  (A container that was created with a new pid
       namespace but later joined by others is outside what husk can know:
       those others are the creator's responsibility, as below.)
   (c) The seccomp profile does not let execveat through unconditionally
       (the trampoline is started with execveat; Docker's, containerd's and
       Podman's default profiles allow it).
   (d) An AppArmor profile or SELinux label is asked for: it takes effect
       at the next exec, which is the trampoline's, and the container's
       domain may not be allowed to enter through a memfd of the runtime
       (runc's dmz met exactly this: opencontainers/runc#4057).

   Left open by the trampoline, by design: a process outside this config
   that can see husk's host-side processes and has CAP_SYS_PTRACE in husk's
   user namespace (say, a hostPID container with CAP_SYS_PTRACE).  It can
   ptrace(2) the host's processes and so is root on the host already, unless
   an LSM or Yama's ptrace_scope=3 forbids attaching but not reading
   /proc/<pid>/exe.  Where such processes exist and are not trusted, put the
   binary on a read-only mount (DIRECT, also the fastest). */
#ifndef HUSK_EXE_H
#define HUSK_EXE_H

#include <stdbool.h>

#include "husk/caps.h"
#include "husk/error.h"
#include "husk/spec.h"

enum husk_exe_mode
{
  HUSK_EXE_DIRECT,
  HUSK_EXE_DMZ,
  HUSK_EXE_COPY,
};

/* What decides between DMZ and COPY, as read from the config. */
struct husk_exe_facts
{
  bool own_userns;       /* in a user namespace other than husk's (new or joined) */
  bool ptrace;           /* (a): CAP_SYS_PTRACE may be held (see above) */
  bool shared_pidns;     /* (b): the pid namespace is not new */
  bool execveat_allowed; /* (c): seccomp lets the trampoline start */
  bool lsm_label;        /* (d): apparmorProfile or selinuxLabel */
  bool fcntl_allowed;    /* seccomp lets the trampoline keep the sync socket */
};

/* The child's part: how to exec the program. */
struct husk_exe_plan
{
  int dmz_fd;      /* sealed memfd holding husk-dmz, close-on-exec; -1: exec directly */
  bool dmz_report; /* the trampoline may report its execve error on the sync socket */
};

#define HUSK_EXE_PLAN_INIT                                                                         \
  {                                                                                                \
    .dmz_fd = -1                                                                                   \
  }

/* Fill facts from spec's namespaces and seccomp profile and from the
   process to start (spec->process for create, exec's own); ptrace is left
   false for the caller to add from the capabilities it resolved. */
void husk_exe_facts_from_spec (const struct husk_spec *spec, const struct husk_process *process,
                               struct husk_exe_facts *facts);

/* CAP_SYS_PTRACE in any of the sets; !has_caps means husk's own: true. */
bool husk_exe_caps_ptrace (bool has_caps, const struct husk_cap_sets *caps);

/* The profile lets `syscall` through without conditions (SCMP_ACT_ALLOW or
   SCMP_ACT_LOG).  NULL profile: true. */
bool husk_exe_seccomp_allows (const struct husk_seccomp *sc, const char *syscall);

/* DMZ or COPY for facts (pure; DIRECT depends on the binary, not the
   config).  COPY when husk was built without the trampoline. */
enum husk_exe_mode husk_exe_choose (const struct husk_exe_facts *facts);

/* Remember argv (the pointer array) for a COPY re-exec later on.  main,
   before the commands parse (and GNU getopt permutes) their arguments. */
void husk_exe_save_argv (char **argv);

/* create/run/exec, once the config is resolved and before any side effect
   (a COPY re-exec restarts the command from the top with the same argv and
   environment).  DIRECT: *plan stays direct.  DMZ: fills plan->dmz_fd.
   COPY: does not return on success.  The mode taken goes to the debug log. */
int husk_exe_protect (const struct husk_exe_facts *facts, struct husk_exe_plan *plan,
                      husk_err_t **err);

/* With the trampoline, make the calling process non-dumpable, so that
   /proc/<pid>/exe needs CAP_SYS_PTRACE in husk's user namespace: exec's
   runtime before clone (its child inherits it) and the child again after
   changing its uid (with fs.suid_dumpable=1 that makes it dumpable); the
   init once setup is done, before it reports ready (earlier, the files
   under its /proc/self would turn root's, which its user namespace may
   not write).  No-op for a direct exec. */
int husk_exe_hide (const struct husk_exe_plan *plan, husk_err_t **err);

/* The child's last step: execve path with argv (process.args, unchanged for
   the program) and envp, through the trampoline when plan->dmz_fd >= 0.
   sync_fd is where the trampoline reports its own execve failure as
   SYNC_ERROR (used when plan->dmz_report).  Returns only on failure. */
int husk_exe_exec (const struct husk_exe_plan *plan, int sync_fd, const char *path,
                   char *const argv[], char *const envp[], husk_err_t **err);

/* The mark an exec with CAP_SYS_PTRACE leaves in the state directory, see (a). */
#define HUSK_EXE_PTRACE_MARK "exe-ptrace"

#endif

/* See include/husk/exe.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "husk/exe.h"
#include "husk/log.h"
#include "husk/util.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U /* Linux 6.3: executable on purpose (vm.memfd_noexec) */
#endif

#define HUSK_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

#ifdef HUSK_HAVE_DMZ
/* src/dmz/dmz.c, compiled and embedded by src/dmz/dmz.cmake */
extern const unsigned char husk_dmz_image[];
extern const size_t husk_dmz_image_len;
#endif

extern char **environ;

static char **saved_argv;

/* ---- the decision (pure) ---- */

bool
husk_exe_caps_ptrace (bool has_caps, const struct husk_cap_sets *caps)
{
  if (!has_caps)
    return true;
  uint64_t all
      = caps->bounding | caps->effective | caps->inheritable | caps->permitted | caps->ambient;
  return (all >> CAP_SYS_PTRACE) & 1;
}

static bool
action_allows (const char *action)
{
  return action && (strcmp (action, "SCMP_ACT_ALLOW") == 0 || strcmp (action, "SCMP_ACT_LOG") == 0);
}

bool
husk_exe_seccomp_allows (const struct husk_seccomp *sc, const char *syscall)
{
  if (sc == NULL || (sc->default_action == NULL && sc->n_syscalls == 0))
    return true; /* no filter at all */
  bool named = false;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      const struct husk_seccomp_syscall *rule = &sc->syscalls[i];
      for (size_t j = 0; j < rule->n_names; j++)
        if (strcmp (rule->names[j], syscall) == 0)
          {
            /* a rule with conditions, or any other action, may stop it */
            if (!action_allows (rule->action) || rule->n_args > 0)
              return false;
            named = true;
          }
    }
  return named || action_allows (sc->default_action);
}

static bool
is_set (const char *s)
{
  return s && *s;
}

void
husk_exe_facts_from_spec (const struct husk_spec *spec, const struct husk_process *process,
                          struct husk_exe_facts *facts)
{
  const struct husk_namespace *pid = husk_spec_namespace (spec, HUSK_NS_PID);
  const struct husk_seccomp *sc = spec->linux_ ? spec->linux_->seccomp : NULL;
  facts->own_userns = husk_spec_namespace (spec, HUSK_NS_USER) != NULL;
  facts->shared_pidns = pid == NULL || pid->path != NULL;
  facts->execveat_allowed = husk_exe_seccomp_allows (sc, "execveat");
  facts->fcntl_allowed = husk_exe_seccomp_allows (sc, "fcntl");
  facts->lsm_label
      = process && (is_set (process->apparmor_profile) || is_set (process->selinux_label));
  facts->ptrace = false; /* the caller's, from the capabilities it resolved */
}

enum husk_exe_mode
husk_exe_choose (const struct husk_exe_facts *f)
{
#ifdef HUSK_HAVE_DMZ
  if ((f->ptrace && !f->own_userns) || f->shared_pidns || !f->execveat_allowed || f->lsm_label)
    return HUSK_EXE_COPY;
  return HUSK_EXE_DMZ;
#else
  (void)f;
  return HUSK_EXE_COPY;
#endif
}

/* ---- acting on it ---- */

void
husk_exe_save_argv (char **argv)
{
  size_t n = strv_len (argv);
  saved_argv = xmalloc0 ((n + 1) * sizeof *saved_argv);
  memcpy (saved_argv, argv, n * sizeof *saved_argv);
}

static int
sealed_memfd (const char *name, husk_err_t **err)
{
  int fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (fd < 0 && errno == EINVAL) /* before Linux 6.3 */
    fd = memfd_create (name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0)
    return husk_error (err, errno, "memfd_create");
  return fd;
}

static int
seal (int fd, const char *what, husk_err_t **err)
{
  if (fcntl (fd, F_ADD_SEALS, HUSK_SEALS) < 0)
    return husk_error (err, errno, "seal the %s", what);
  return 0;
}

/* COPY: the whole binary into a sealed memfd, and start over from it. */
static int
reexec_sealed_copy (int exe, husk_err_t **err)
{
  if (saved_argv == NULL)
    return husk_error (err, EINVAL, "re-exec the sealed husk binary: no saved argv");
  struct stat st;
  if (fstat (exe, &st) < 0)
    return husk_error (err, errno, "stat /proc/self/exe");
  cleanup_close int mfd = sealed_memfd ("husk", err);
  if (mfd < 0)
    return -1;
  for (off_t done = 0; done < st.st_size;)
    {
      ssize_t n = sendfile (mfd, exe, NULL, st.st_size - done);
      if (n <= 0)
        return husk_error (err, n < 0 ? errno : EIO, "copy the husk binary");
      done += n;
    }
  if (seal (mfd, "husk binary copy", err) < 0)
    return -1;
  fexecve (mfd, saved_argv, environ);
  return husk_error (err, errno, "re-exec the sealed husk binary");
}

/* DMZ: the embedded trampoline into a sealed memfd. */
static int
dmz_memfd (husk_err_t **err)
{
#ifdef HUSK_HAVE_DMZ
  cleanup_close int mfd = sealed_memfd ("husk-dmz", err);
  if (mfd < 0)
    return -1;
  if (husk_write_all (mfd, husk_dmz_image, husk_dmz_image_len) < 0)
    return husk_error (err, errno, "write the exec trampoline");
  if (seal (mfd, "exec trampoline", err) < 0)
    return -1;
  return steal_fd (&mfd);
#else
  return husk_error (err, ENOSYS, "husk was built without the exec trampoline");
#endif
}

int
husk_exe_protect (const struct husk_exe_facts *facts, struct husk_exe_plan *plan, husk_err_t **err)
{
  *plan = (struct husk_exe_plan)HUSK_EXE_PLAN_INIT;
  cleanup_close int exe = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (exe < 0)
    return husk_error (err, errno, "open /proc/self/exe");
  int seals = fcntl (exe, F_GET_SEALS);
  if (seals >= 0 && (seals & HUSK_SEALS) == HUSK_SEALS)
    {
      husk_log_debug ("exe protection: running from the sealed copy");
      return 0;
    }
  struct statvfs vfs;
  if (fstatvfs (exe, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
    {
      husk_log_debug ("exe protection: the binary is on a read-only mount");
      return 0;
    }
  if (husk_exe_choose (facts) == HUSK_EXE_COPY)
    {
      husk_log_debug ("exe protection: re-exec from a sealed copy (ptrace %d, own userns %d, "
                      "shared pidns %d, execveat allowed %d, LSM label %d)",
                      facts->ptrace, facts->own_userns, facts->shared_pidns,
                      facts->execveat_allowed, facts->lsm_label);
      return reexec_sealed_copy (exe, err);
    }
  plan->dmz_fd = dmz_memfd (err);
  if (plan->dmz_fd < 0)
    return -1;
  plan->dmz_report = facts->fcntl_allowed;
  husk_log_debug ("exe protection: exec through the trampoline");
  return 0;
}

int
husk_exe_hide (const struct husk_exe_plan *plan, husk_err_t **err)
{
  (void)plan; /* every mode: a dumpable setup process could be ptraced or its fds read */
  if (prctl (PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
    return husk_error (err, errno, "make the process non-dumpable");
  return 0;
}

int
husk_exe_exec (const struct husk_exe_plan *plan, int sync_fd, const char *path, char *const argv[],
               char *const envp[], husk_err_t **err)
{
  if (plan->dmz_fd < 0)
    {
      execve (path, argv, envp);
      return husk_error (err, errno, "exec `%s`", path);
    }
  /* husk-dmz's argv: the path, the socket for its error report, the
     program's argv (src/dmz/dmz.c).  The socket stays open across this
     exec only; husk-dmz marks it close-on-exec before its own. */
  char fd_arg[16] = "-";
  bool report = plan->dmz_report && sync_fd >= 0 && fcntl (sync_fd, F_SETFD, 0) == 0;
  if (report)
    snprintf (fd_arg, sizeof fd_arg, "%d", sync_fd);
  size_t n = strv_len (argv);
  cleanup_free char **dmz_argv = xmalloc0 ((n + 3) * sizeof *dmz_argv);
  dmz_argv[0] = (char *)path;
  dmz_argv[1] = fd_arg;
  memcpy (dmz_argv + 2, argv, n * sizeof *dmz_argv);
  /* the seccomp filter is loaded by now: husk_exe_choose took COPY unless
     it lets execveat through */
  execveat (plan->dmz_fd, "", dmz_argv, envp, AT_EMPTY_PATH);
  int e = errno;
  if (report)
    fcntl (sync_fd, F_SETFD, FD_CLOEXEC);
  return husk_error (err, e, "exec `%s` through the husk-dmz trampoline", path);
}

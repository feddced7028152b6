/* linux.seccomp: translated with libseccomp and compiled to a classic BPF
   program in the parent, before clone, so that every error arrives before
   any side effect; the container child only hands the ready program to
   seccomp(2) just before execve.  Compiled programs are cached on disk
   (seccomp_cache.c), keyed by the canonical profile, so a repeated profile
   skips libseccomp entirely. */
#ifndef HUSK_SECCOMP_H
#define HUSK_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "husk/error.h"
#include "husk/spec.h"

struct husk_seccomp_prog
{
  struct sock_filter *filter; /* the program, in host byte order */
  size_t len;                 /* instructions */
  uint32_t flags;             /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
  bool notify;                /* a rule uses SCMP_ACT_NOTIFY: load with NEW_LISTENER */
};

/* Translate and compile sc.  cache_dir (created 0700 if missing) holds
   compiled programs; NULL compiles without the cache.  *out is NULL when the
   section asks for nothing (no defaultAction and no syscalls, as runc). */
int husk_seccomp_compile (const struct husk_seccomp *sc, const char *cache_dir,
                          struct husk_seccomp_prog **out, husk_err_t **err);

/* The translation alone (libseccomp, no cache): what husk_seccomp_compile
   does on a cache miss. */
int husk_seccomp_build (const struct husk_seccomp *sc, struct husk_seccomp_prog **out,
                        husk_err_t **err);

/* The cache key of sc: SHA-256 over its canonical serialization (rules and
   values, not JSON layout), the native architecture and the libseccomp
   version, as 64 hex digits plus NUL. */
void husk_seccomp_cache_key (const struct husk_seccomp *sc, char hex[65]);

/* Install prog on the calling thread with seccomp(SECCOMP_SET_MODE_FILTER).
   Needs no_new_privs or CAP_SYS_ADMIN.  *listener_fd gets the notify fd when
   prog->notify, else -1.  Allocates nothing on success. */
int husk_seccomp_load (const struct husk_seccomp_prog *prog, int *listener_fd, husk_err_t **err);

/* runc's seccomp agent protocol: connect to the unix stream socket at
   listener_path and send, in one message, the container process state
   {"ociVersion","fds":["seccompFd"],"pid","metadata","state"} with the
   listener fd attached (SCM_RIGHTS).  state_json is the container's OCI
   state object; metadata may be NULL. */
int husk_seccomp_send_listener (const char *listener_path, int listener_fd, pid_t pid,
                                const char *state_json, const char *metadata, husk_err_t **err);

void husk_seccomp_prog_free (struct husk_seccomp_prog *p);
void husk_seccomp_prog_freep (struct husk_seccomp_prog **p);
#define cleanup_seccomp_prog __attribute__ ((cleanup (husk_seccomp_prog_freep)))

/* NULL-terminated name tables for `husk features`: the same tables the
   translator reads.  supported_flags are the known flags this kernel
   accepts (probed once). */
const char *const *husk_seccomp_actions (void);
const char *const *husk_seccomp_operators (void);
const char *const *husk_seccomp_archs (void);
const char *const *husk_seccomp_known_flags (void);
const char *const *husk_seccomp_supported_flags (void);

/* Known flag name → SECCOMP_FILTER_FLAG_* value; -1 if unknown. */
int64_t husk_seccomp_flag_value (const char *name);

#endif

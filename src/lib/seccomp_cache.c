/* The compiled-program cache: <cache_dir>/<key>.bpf, where key is the
   SHA-256 of the canonical seccomp section plus everything else that shapes
   the program (husk's build, libseccomp's version and API level, the native
   architecture).  Files are written to a temporary name and renamed, and
   verified on every read; anything odd is recompiled and replaced.  A cache
   problem is never an error: husk just compiles. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <seccomp.h>

#include "husk/log.h"
#include "husk/seccomp.h"
#include "husk/sha256.h"
#include "husk/util.h"

/* Bump when the translation in seccomp.c or the file layout changes. */
#define CACHE_FORMAT 1
static const char cache_magic[8] = "HUSKBPF";

struct cache_header
{
  char magic[8];
  uint32_t format;
  uint32_t flags;
  uint32_t notify;
  uint32_t len; /* instructions that follow */
  uint8_t key[HUSK_SHA256_LEN];
  uint8_t checksum[HUSK_SHA256_LEN]; /* of the header up to here, then the program */
};

/* ---- the key: an unambiguous serialization fed straight into SHA-256 ---- */

static void
put_u32 (struct husk_sha256 *c, uint32_t v)
{
  husk_sha256_update (c, &v, sizeof v);
}

static void
put_u64 (struct husk_sha256 *c, uint64_t v)
{
  husk_sha256_update (c, &v, sizeof v);
}

/* Length-prefixed, with NULL distinct from "". */
static void
put_str (struct husk_sha256 *c, const char *s)
{
  if (s == NULL)
    {
      put_u64 (c, UINT64_MAX);
      return;
    }
  size_t n = strlen (s);
  put_u64 (c, n);
  husk_sha256_update (c, s, n);
}

static void
put_strv (struct husk_sha256 *c, char *const *v, size_t n)
{
  put_u64 (c, n);
  for (size_t i = 0; i < n; i++)
    put_str (c, v[i]);
}

static void
put_opt_u32 (struct husk_sha256 *c, husk_opt_u32 v)
{
  put_u32 (c, v.set);
  put_u32 (c, v.set ? v.value : 0);
}

static void
key_digest (const struct husk_seccomp *sc, uint8_t out[HUSK_SHA256_LEN])
{
  struct husk_sha256 c;
  husk_sha256_init (&c);
  put_str (&c, "husk seccomp cache");
  put_u32 (&c, CACHE_FORMAT);
  put_str (&c, HUSK_VERSION);
  put_str (&c, HUSK_COMMIT);
  const struct scmp_version *v = seccomp_version ();
  put_u32 (&c, v->major);
  put_u32 (&c, v->minor);
  put_u32 (&c, v->micro);
  /* What libseccomp found the kernel supports can change what it emits. */
  put_u32 (&c, seccomp_api_get ());
  put_u32 (&c, seccomp_arch_native ());

  /* listenerPath and listenerMetadata are left out: they do not shape the
     program. */
  put_str (&c, sc->default_action);
  put_opt_u32 (&c, sc->default_errno_ret);
  put_strv (&c, sc->architectures, sc->n_architectures);
  put_strv (&c, sc->flags, sc->n_flags);
  put_u64 (&c, sc->n_syscalls);
  for (size_t i = 0; i < sc->n_syscalls; i++)
    {
      const struct husk_seccomp_syscall *call = &sc->syscalls[i];
      put_strv (&c, call->names, call->n_names);
      put_str (&c, call->action);
      put_opt_u32 (&c, call->errno_ret);
      put_u64 (&c, call->n_args);
      for (size_t j = 0; j < call->n_args; j++)
        {
          put_u32 (&c, call->args[j].index);
          put_u64 (&c, call->args[j].value);
          put_u64 (&c, call->args[j].value_two);
          put_str (&c, call->args[j].op);
        }
    }
  husk_sha256_final (&c, out);
}

void
husk_seccomp_cache_key (const struct husk_seccomp *sc, char hex[65])
{
  uint8_t digest[HUSK_SHA256_LEN];
  key_digest (sc, digest);
  husk_sha256_hex (digest, hex);
}

/* ---- the files ---- */

static void
header_checksum (const struct cache_header *h, const struct sock_filter *filter,
                 uint8_t out[HUSK_SHA256_LEN])
{
  struct husk_sha256 c;
  husk_sha256_init (&c);
  husk_sha256_update (&c, h, offsetof (struct cache_header, checksum));
  husk_sha256_update (&c, filter, h->len * sizeof *filter);
  husk_sha256_final (&c, out);
}

/* The directory, created if missing; -1 (and a warning where it matters)
   when it cannot be trusted: it must be ours and writable only by us. */
static int
open_cache_dir (const char *path)
{
  if (mkdir (path, 0700) < 0 && errno != EEXIST)
    {
      husk_log_debug ("seccomp cache: mkdir `%s`: %s", path, strerror (errno));
      return -1;
    }
  cleanup_close int fd = open (path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      husk_log_warn ("seccomp cache: open `%s`: %s", path, strerror (errno));
      return -1;
    }
  struct stat st;
  if (fstat (fd, &st) < 0 || st.st_uid != geteuid () || (st.st_mode & 022) != 0)
    {
      husk_log_warn ("seccomp cache: `%s` is not private to this user; not used", path);
      return -1;
    }
  return steal_fd (&fd);
}

/* The program in buf (a whole cache file) if every check passes, else NULL. */
static struct husk_seccomp_prog *
verify_cached (const char *buf, size_t size, const uint8_t key[HUSK_SHA256_LEN])
{
  struct cache_header h;
  if (size <= sizeof h)
    return NULL;
  memcpy (&h, buf, sizeof h);
  const struct sock_filter *filter = (const struct sock_filter *)(buf + sizeof h);
  if (memcmp (h.magic, cache_magic, sizeof h.magic) != 0 || h.format != CACHE_FORMAT
      || memcmp (h.key, key, HUSK_SHA256_LEN) != 0 || h.notify > 1 || h.len == 0
      || h.len > BPF_MAXINSNS || size != sizeof h + (size_t)h.len * sizeof *filter)
    return NULL;
  uint8_t sum[HUSK_SHA256_LEN];
  header_checksum (&h, filter, sum);
  if (memcmp (sum, h.checksum, sizeof sum) != 0)
    return NULL;

  struct husk_seccomp_prog *p = xmalloc0 (sizeof *p);
  p->len = h.len;
  p->flags = h.flags;
  p->notify = h.notify;
  p->filter = xmalloc0 (h.len * sizeof *filter);
  memcpy (p->filter, filter, h.len * sizeof *filter);
  return p;
}

/* 0 and *out on a verified hit; -1 on a miss or a file that fails any check. */
static int
read_cached (int dirfd, const char *name, const uint8_t key[HUSK_SHA256_LEN],
             struct husk_seccomp_prog **out)
{
  cleanup_close int fd = openat (dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return -1;
  struct stat st;
  size_t max = sizeof (struct cache_header) + BPF_MAXINSNS * sizeof (struct sock_filter);
  cleanup_free char *buf = NULL;
  size_t size = 0;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_uid == geteuid ()
      && (size_t)st.st_size <= max)
    {
      size = st.st_size;
      buf = xmalloc0 (size);
      if (pread (fd, buf, size, 0) != (ssize_t)size)
        size = 0;
    }
  *out = verify_cached (buf, size, key);
  if (*out == NULL)
    {
      husk_log_debug ("seccomp cache: `%s` failed verification; recompiling", name);
      return -1;
    }
  husk_log_debug ("seccomp cache: hit `%s`", name);
  return 0;
}

static void
write_cached (int dirfd, const char *name, const uint8_t key[HUSK_SHA256_LEN],
              const struct husk_seccomp_prog *prog)
{
  struct cache_header h
      = { .format = CACHE_FORMAT, .flags = prog->flags, .notify = prog->notify, .len = prog->len };
  memcpy (h.magic, cache_magic, sizeof h.magic);
  memcpy (h.key, key, HUSK_SHA256_LEN);
  header_checksum (&h, prog->filter, h.checksum);

  size_t size = sizeof h + prog->len * sizeof *prog->filter;
  cleanup_free char *buf = xmalloc0 (size);
  memcpy (buf, &h, sizeof h);
  memcpy (buf + sizeof h, prog->filter, prog->len * sizeof *prog->filter);

  cleanup_free char *tmp = xasprintf (".%s.%d.tmp", name, (int)getpid ());
  cleanup_close int fd
      = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      husk_log_debug ("seccomp cache: create `%s`: %s", tmp, strerror (errno));
      return;
    }
  if (husk_write_all (fd, buf, size) < 0 || renameat (dirfd, tmp, dirfd, name) < 0)
    {
      husk_log_debug ("seccomp cache: write `%s`: %s", name, strerror (errno));
      unlinkat (dirfd, tmp, 0);
    }
}

int
husk_seccomp_compile (const struct husk_seccomp *sc, const char *cache_dir,
                      struct husk_seccomp_prog **out, husk_err_t **err)
{
  *out = NULL;
  bool empty = (sc->default_action == NULL || sc->default_action[0] == '\0') && sc->n_syscalls == 0;
  if (cache_dir == NULL || empty)
    return husk_seccomp_build (sc, out, err);

  uint8_t key[HUSK_SHA256_LEN];
  char hex[2 * HUSK_SHA256_LEN + 1];
  key_digest (sc, key);
  husk_sha256_hex (key, hex);
  cleanup_free char *name = xasprintf ("%s.bpf", hex);

  cleanup_close int dirfd = open_cache_dir (cache_dir);
  if (dirfd >= 0 && read_cached (dirfd, name, key, out) == 0)
    return 0;
  if (husk_seccomp_build (sc, out, err) < 0)
    return -1;
  if (dirfd >= 0 && *out != NULL)
    write_cached (dirfd, name, key, *out);
  return 0;
}

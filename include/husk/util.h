/* Small helpers shared by every module: cleanup attributes, allocation,
   file I/O relative to a directory fd, and number parsing. */
#ifndef HUSK_UTIL_H
#define HUSK_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <dirent.h>
#include <sys/types.h>

#include "husk/error.h"

#define ARRAY_SIZE(a) (sizeof (a) / sizeof ((a)[0]))

void freep (void *p);
void closep (int *fd);
void fclosep (FILE **f);
void closedirp (DIR **d);
void strv_freep (char ***v);

#define cleanup_free   __attribute__ ((cleanup (freep)))
#define cleanup_close  __attribute__ ((cleanup (closep)))
#define cleanup_fclose __attribute__ ((cleanup (fclosep)))
#define cleanup_dir    __attribute__ ((cleanup (closedirp)))
#define cleanup_strv   __attribute__ ((cleanup (strv_freep)))

/* Hand ownership over: return the value and leave NULL / -1 behind. */
#define steal_pointer(pp)                                                                          \
  ({                                                                                               \
    __typeof__ (*(pp)) _stolen = *(pp);                                                            \
    *(pp) = NULL;                                                                                  \
    _stolen;                                                                                       \
  })

static inline int
steal_fd (int *fd)
{
  int r = *fd;
  *fd = -1;
  return r;
}

/* Allocation never fails quietly: out of memory aborts. */
void *xmalloc0 (size_t size);
void *xrealloc (void *p, size_t size);
char *xstrdup (const char *s);
char *xstrndup (const char *s, size_t n);
char *xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
char *xvasprintf (const char *fmt, va_list ap) __attribute__ ((format (printf, 1, 0)));

/* NULL-terminated string vectors. */
size_t strv_len (char *const *v);
void strv_free (char **v);
char **strv_dup (char *const *v);

/* Whole-file read/write relative to dirfd (AT_FDCWD for plain paths).
   read appends a NUL so text can be used directly. */
int husk_read_file_at (int dirfd, const char *path, char **out, size_t *len, husk_err_t **err);
int husk_write_file_at (int dirfd, const char *path, const char *data, size_t len, int flags,
                        mode_t mode, husk_err_t **err);
/* Write all of buf to fd, retrying short writes and EINTR. */
ssize_t husk_write_all (int fd, const void *buf, size_t len);

/* Strict decimal parsing: no sign for unsigned, no trailing junk, no overflow. 0 or -1. */
int husk_parse_u64 (const char *s, uint64_t *out);
int husk_parse_i64 (const char *s, int64_t *out);
int husk_parse_int (const char *s, int *out);

bool husk_has_prefix (const char *s, const char *prefix);

/* Now (or ts) as RFC 3339 with nanoseconds in UTC, into buf. */
#define HUSK_RFC3339_MAX 64
const char *husk_format_rfc3339 (char buf[HUSK_RFC3339_MAX]);
struct timespec;
const char *husk_format_rfc3339_at (const struct timespec *ts, char buf[HUSK_RFC3339_MAX]);

/* A DIR stream over the directory dirfd refers to, leaving dirfd itself
   open (NULL and errno on failure). */
DIR *husk_opendir_fd (int dirfd);

/* The line at *cursor without its '\n', newly allocated, and *cursor moved
   past it; NULL when the text is used up. */
char *husk_next_line (const char **cursor);

#endif

/* Small shared helpers: see include/husk/util.h. */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "husk/util.h"

void
freep (void *p)
{
  free (*(void **)p);
}

void
closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
  *fd = -1;
}

void
fclosep (FILE **f)
{
  if (*f)
    fclose (*f);
  *f = NULL;
}

void
closedirp (DIR **d)
{
  if (*d)
    closedir (*d);
  *d = NULL;
}

void *
xmalloc0 (size_t size)
{
  void *p = calloc (1, size ? size : 1);
  if (p == NULL)
    abort ();
  return p;
}

void *
xrealloc (void *p, size_t size)
{
  p = realloc (p, size ? size : 1);
  if (p == NULL)
    abort ();
  return p;
}

char *
xstrdup (const char *s)
{
  if (s == NULL)
    return NULL;
  char *r = strdup (s);
  if (r == NULL)
    abort ();
  return r;
}

char *
xstrndup (const char *s, size_t n)
{
  char *r = strndup (s, n);
  if (r == NULL)
    abort ();
  return r;
}

char *
xasprintf (const char *fmt, ...)
{
  char *r;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&r, fmt, ap) < 0)
    abort ();
  va_end (ap);
  return r;
}

char *
xvasprintf (const char *fmt, va_list ap)
{
  char *r;
  if (vasprintf (&r, fmt, ap) < 0)
    abort ();
  return r;
}

size_t
strv_len (char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void
strv_free (char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free (v[i]);
  free (v);
}

void
strv_freep (char ***v)
{
  strv_free (*v);
  *v = NULL;
}

char **
strv_dup (char *const *v)
{
  size_t n = strv_len (v);
  char **r = xmalloc0 ((n + 1) * sizeof (char *));
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup (v[i]);
  return r;
}

int
husk_read_file_at (int dirfd, const char *path, char **out, size_t *len, husk_err_t **err)
{
  cleanup_close int fd = openat (dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return husk_error (err, errno, "open `%s`", path);
  size_t cap = 4096, used = 0;
  cleanup_free char *buf = xrealloc (NULL, cap); /* no need to zero what read() fills */
  for (;;)
    {
      if (used + 1 >= cap)
        buf = xrealloc (buf, cap *= 2);
      ssize_t r = read (fd, buf + used, cap - used - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return husk_error (err, errno, "read `%s`", path);
      if (r == 0)
        break;
      used += r;
    }
  buf[used] = '\0';
  if (len)
    *len = used;
  *out = steal_pointer (&buf);
  return 0;
}

ssize_t
husk_write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  size_t done = 0;
  while (done < len)
    {
      ssize_t r = write (fd, p + done, len - done);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return -1;
      done += r;
    }
  return done;
}

int
husk_write_file_at (int dirfd, const char *path, const char *data, size_t len, int flags,
                    mode_t mode, husk_err_t **err)
{
  cleanup_close int fd = openat (dirfd, path, flags | O_WRONLY | O_CLOEXEC, mode);
  if (fd < 0)
    return husk_error (err, errno, "open `%s`", path);
  if (husk_write_all (fd, data, len) < 0)
    return husk_error (err, errno, "write `%s`", path);
  return 0;
}

int
husk_parse_u64 (const char *s, uint64_t *out)
{
  if (s == NULL || *s < '0' || *s > '9')
    return -1;
  errno = 0;
  char *end;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno != 0 || *end != '\0')
    return -1;
  *out = v;
  return 0;
}

int
husk_parse_i64 (const char *s, int64_t *out)
{
  if (s == NULL || *s == '\0')
    return -1;
  errno = 0;
  char *end;
  long long v = strtoll (s, &end, 10);
  if (errno != 0 || *end != '\0' || end == s)
    return -1;
  *out = v;
  return 0;
}

int
husk_parse_int (const char *s, int *out)
{
  int64_t v;
  if (husk_parse_i64 (s, &v) < 0 || v < INT_MIN || v > INT_MAX)
    return -1;
  *out = (int)v;
  return 0;
}

bool
husk_has_prefix (const char *s, const char *prefix)
{
  return strncmp (s, prefix, strlen (prefix)) == 0;
}

char *
husk_next_line (const char **cursor)
{
  const char *line = *cursor;
  if (line == NULL || *line == '\0')
    return NULL;
  const char *eol = strchr (line, '\n');
  size_t len = eol ? (size_t)(eol - line) : strlen (line);
  *cursor = eol ? eol + 1 : line + len;
  return xstrndup (line, len);
}

DIR *
husk_opendir_fd (int dirfd)
{
  int fd = openat (dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  DIR *d = fdopendir (fd);
  if (d == NULL)
    closep (&fd);
  return d;
}

/* The UTC date of a day count since 1970-01-01, without strftime or
   gmtime_r: glibc's load the time zone (/etc/localtime, 7 syscalls) even
   for UTC.  The usual days-to-civil arithmetic over 400-year eras. */
static void
civil_from_days (int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
  z += 719468; /* days from 0000-03-01 */
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);                          /* [0, 146096] */
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
  unsigned mp = (5 * doy + 2) / 153;                                    /* March = 0 */
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

const char *
husk_format_rfc3339_at (const struct timespec *ts, char buf[HUSK_RFC3339_MAX])
{
  int64_t days = ts->tv_sec / 86400, secs = ts->tv_sec % 86400;
  if (secs < 0)
    {
      secs += 86400;
      days--;
    }
  int64_t y;
  unsigned m, d;
  civil_from_days (days, &y, &m, &d);
  snprintf (buf, HUSK_RFC3339_MAX, "%04" PRId64 "-%02u-%02uT%02d:%02d:%02d.%09ldZ", y, m, d,
            (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), ts->tv_nsec);
  return buf;
}

const char *
husk_format_rfc3339 (char buf[HUSK_RFC3339_MAX])
{
  struct timespec ts;
  clock_gettime (CLOCK_REALTIME, &ts);
  return husk_format_rfc3339_at (&ts, buf);
}

/* Error values: see include/husk/error.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "husk/error.h"
#include "husk/util.h"

int
husk_verror (husk_err_t **err, int errnum, const char *fmt, va_list ap)
{
  if (err == NULL || *err != NULL)
    return -1;
  husk_err_t *e = xmalloc0 (sizeof *e);
  e->errnum = errnum;
  if (vasprintf (&e->msg, fmt, ap) < 0)
    abort ();
  *err = e;
  return -1;
}

int
husk_error (husk_err_t **err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  husk_verror (err, errnum, fmt, ap);
  va_end (ap);
  return -1;
}

int
husk_error_prefix (husk_err_t **err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  cleanup_free char *prefix = NULL;
  va_list ap;
  va_start (ap, fmt);
  if (vasprintf (&prefix, fmt, ap) < 0)
    abort ();
  va_end (ap);
  char *msg = xasprintf ("%s: %s", prefix, (*err)->msg);
  free ((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

char *
husk_error_text (const husk_err_t *err)
{
  if (err == NULL)
    return xstrdup ("unknown error");
  if (err->errnum == 0)
    return xstrdup (err->msg);
  return xasprintf ("%s: %s", err->msg, strerror (err->errnum));
}

void
husk_err_free (husk_err_t *err)
{
  if (err == NULL)
    return;
  free (err->msg);
  free (err);
}

void
husk_err_freep (husk_err_t **err)
{
  husk_err_free (*err);
  *err = NULL;
}

/* Error values: created where a failure happens, carried up, printed once by main. */
#ifndef HUSK_ERROR_H
#define HUSK_ERROR_H

#include <stdarg.h>

typedef struct husk_err
{
  int errnum; /* errno of the failing call, or 0 when there is none */
  char *msg;  /* "what failed, on what" */
} husk_err_t;

/* Set *err (unless already set: the first, deepest cause wins) and return -1. */
int husk_error (husk_err_t **err, int errnum, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));
int husk_verror (husk_err_t **err, int errnum, const char *fmt, va_list ap);

/* Prefix an existing error with context ("create `id`: <old>"); return -1. */
int husk_error_prefix (husk_err_t **err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* The full text: "msg: strerror(errnum)" or just "msg".  Caller frees. */
char *husk_error_text (const husk_err_t *err);

void husk_err_free (husk_err_t *err);
void husk_err_freep (husk_err_t **err);
#define cleanup_err __attribute__ ((cleanup (husk_err_freep)))

#endif

/* Signal names for `kill`: "KILL", "SIGKILL", "sigkill", "9", "RTMIN+3". */
#ifndef HUSK_SIGNALS_H
#define HUSK_SIGNALS_H

#include <stddef.h>

#include "husk/error.h"

struct husk_signal_info
{
  const char *name; /* "SIGKILL" */
  int sig;
};

/* The named signals, by number; aliases (SIGIOT, SIGCLD, SIGPOLL) follow
   the name they stand for.  Realtime signals are not listed: they are
   SIGRTMIN+n / SIGRTMAX-n. */
extern const struct husk_signal_info husk_signal_table[];
extern const size_t husk_signal_count;

/* Accepts what runc accepts: a number (1..64), or a name with or without
   "SIG", in any case ("KILL", "SIGKILL", "sigkill"), plus the realtime
   forms RTMIN, RTMIN+n, RTMAX, RTMAX-n.  Error: `invalid signal "FOO"`. */
int husk_signal_parse (const char *s, int *sig, husk_err_t **err);

/* 9 → "SIGKILL", 36 → "SIGRTMIN+2"; NULL for a number without a name. */
const char *husk_signal_name (int sig);

#endif

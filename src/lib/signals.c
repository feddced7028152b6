/* Signal names: see include/husk/signals.h. */
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "husk/signals.h"
#include "husk/util.h"

#define SIG(s)                                                                                     \
  {                                                                                                \
#s, s                                                                                          \
  }

const struct husk_signal_info husk_signal_table[] = {
  SIG (SIGHUP),  SIG (SIGINT),  SIG (SIGQUIT), SIG (SIGILL),    SIG (SIGTRAP),   SIG (SIGABRT),
  SIG (SIGIOT),  SIG (SIGBUS),  SIG (SIGFPE),  SIG (SIGKILL),   SIG (SIGUSR1),   SIG (SIGSEGV),
  SIG (SIGUSR2), SIG (SIGPIPE), SIG (SIGALRM), SIG (SIGTERM),   SIG (SIGSTKFLT), SIG (SIGCHLD),
  SIG (SIGCLD),  SIG (SIGCONT), SIG (SIGSTOP), SIG (SIGTSTP),   SIG (SIGTTIN),   SIG (SIGTTOU),
  SIG (SIGURG),  SIG (SIGXCPU), SIG (SIGXFSZ), SIG (SIGVTALRM), SIG (SIGPROF),   SIG (SIGWINCH),
  SIG (SIGIO),   SIG (SIGPOLL), SIG (SIGPWR),  SIG (SIGSYS),
};

const size_t husk_signal_count = ARRAY_SIZE (husk_signal_table);

/* The kernel's highest signal number (64 on Linux). */
#define MAX_SIGNAL (_NSIG - 1)

#define RT(n) "SIGRTMIN+" #n
static const char *const rt_names[] = {
  "SIGRTMIN", RT (1),  RT (2),  RT (3),  RT (4),  RT (5),  RT (6),  RT (7),
  RT (8),     RT (9),  RT (10), RT (11), RT (12), RT (13), RT (14), RT (15),
  RT (16),    RT (17), RT (18), RT (19), RT (20), RT (21), RT (22), RT (23),
  RT (24),    RT (25), RT (26), RT (27), RT (28), RT (29), RT (30),
};

/* "RTMIN", "RTMIN+3", "RTMAX", "RTMAX-2" (no SIG, any case) → number, or -1. */
static int
parse_realtime (const char *s)
{
  int base, dir;
  if (strncasecmp (s, "RTMIN", 5) == 0)
    base = SIGRTMIN, dir = 1;
  else if (strncasecmp (s, "RTMAX", 5) == 0)
    base = SIGRTMAX, dir = -1;
  else
    return -1;
  s += 5;
  if (*s == '\0')
    return base;
  int off;
  if (*s != (dir > 0 ? '+' : '-') || s[1] < '0' || s[1] > '9' || husk_parse_int (s + 1, &off) < 0)
    return -1;
  int sig = base + dir * off;
  return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : -1;
}

int
husk_signal_parse (const char *s, int *sig, husk_err_t **err)
{
  int v;
  if (*s >= '0' && *s <= '9')
    {
      if (husk_parse_int (s, &v) == 0 && v >= 1 && v <= MAX_SIGNAL)
        {
          *sig = v;
          return 0;
        }
      return husk_error (err, 0, "invalid signal \"%s\"", s);
    }
  const char *bare = strncasecmp (s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t i = 0; i < ARRAY_SIZE (husk_signal_table); i++)
    if (strcasecmp (husk_signal_table[i].name + 3, bare) == 0)
      {
        *sig = husk_signal_table[i].sig;
        return 0;
      }
  v = parse_realtime (bare);
  if (v < 0)
    return husk_error (err, 0, "invalid signal \"%s\"", s);
  *sig = v;
  return 0;
}

const char *
husk_signal_name (int sig)
{
  for (size_t i = 0; i < ARRAY_SIZE (husk_signal_table); i++)
    if (husk_signal_table[i].sig == sig)
      return husk_signal_table[i].name;
  if (sig == SIGRTMAX)
    return "SIGRTMAX";
  if (sig >= SIGRTMIN && sig < SIGRTMAX && (size_t)(sig - SIGRTMIN) < ARRAY_SIZE (rt_names))
    return rt_names[sig - SIGRTMIN];
  return NULL;
}

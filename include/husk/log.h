/* Log lines: runc's --log / --log-format text|json.  The library logs
   warnings and debug lines here; errors are returned, and main logs them once. */
#ifndef HUSK_LOG_H
#define HUSK_LOG_H

#include <stdbool.h>

enum husk_log_level
{
  HUSK_LOG_ERROR,
  HUSK_LOG_WARN,
  HUSK_LOG_INFO,
  HUSK_LOG_DEBUG,
};

/* path NULL: stderr.  json: one {"level","msg","time"} object per line. */
int husk_log_init (const char *path, bool json, bool debug);
void husk_log (enum husk_log_level level, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
/* Whether lines go to stderr (so main does not print an error twice). */
bool husk_log_is_stderr (void);

#define husk_log_error(...) husk_log (HUSK_LOG_ERROR, __VA_ARGS__)
#define husk_log_warn(...)  husk_log (HUSK_LOG_WARN, __VA_ARGS__)
#define husk_log_info(...)  husk_log (HUSK_LOG_INFO, __VA_ARGS__)
#define husk_log_debug(...) husk_log (HUSK_LOG_DEBUG, __VA_ARGS__)

#endif

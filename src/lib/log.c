/* Log lines in runc's formats.  Text: `time="..." level=warning msg="..."`;
   JSON: {"level":"warning","msg":"...","time":"..."} per line. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "husk/log.h"
#include "husk/util.h"

static int log_fd = 2;
static bool log_json;
static bool log_debug;

static const char *const level_names[] = {
  [HUSK_LOG_ERROR] = "error",
  [HUSK_LOG_WARN] = "warning",
  [HUSK_LOG_INFO] = "info",
  [HUSK_LOG_DEBUG] = "debug",
};

int
husk_log_init (const char *path, bool json, bool debug)
{
  log_json = json;
  log_debug = debug;
  if (path == NULL || *path == '\0')
    return 0;
  int fd = open (path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0)
    return -1;
  log_fd = fd;
  return 0;
}

bool
husk_log_is_stderr (void)
{
  return log_fd == 2;
}

/* JSON string escaping for the message; the log must stay one line. */
static void
append_escaped (char *out, size_t cap, size_t *used, const char *s)
{
  for (; *s && *used + 7 < cap; s++)
    {
      unsigned char c = *s;
      if (c == '"' || c == '\\')
        *used += snprintf (out + *used, cap - *used, "\\%c", c);
      else if (c < 0x20)
        *used += snprintf (out + *used, cap - *used, "\\u%04x", c);
      else
        out[(*used)++] = c;
    }
  out[*used] = '\0';
}

void
husk_log (enum husk_log_level level, const char *fmt, ...)
{
  if (level == HUSK_LOG_DEBUG && !log_debug)
    return;
  int saved = errno;
  char msg[2048];
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (msg, sizeof msg, fmt, ap);
  va_end (ap);

  char stamp[HUSK_RFC3339_MAX];
  husk_format_rfc3339 (stamp);

  char line[4096];
  size_t used = 0;
  if (log_json)
    {
      used = snprintf (line, sizeof line, "{\"level\":\"%s\",\"msg\":\"", level_names[level]);
      append_escaped (line, sizeof line - 32 - sizeof stamp, &used, msg);
      used += snprintf (line + used, sizeof line - used, "\",\"time\":\"%s\"}\n", stamp);
    }
  else
    {
      used = snprintf (line, sizeof line, "time=\"%s\" level=%s msg=\"", stamp, level_names[level]);
      append_escaped (line, sizeof line - 8, &used, msg);
      used += snprintf (line + used, sizeof line - used, "\"\n");
    }
  husk_write_all (log_fd, line, used < sizeof line ? used : sizeof line - 1);
  errno = saved;
}

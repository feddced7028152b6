/* husk events [--stats] [--interval D] ID */
#include <errno.h>
#include <stdio.h>

#include "cmd/cmd.h"
#include "husk/report.h"

enum
{
  OPT_STATS = 256,
  OPT_INTERVAL,
};

static const struct option events_options[] = {
  { "stats", no_argument, NULL, OPT_STATS },
  { "interval", required_argument, NULL, OPT_INTERVAL },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* One JSON object a line, flushed at once: readers follow the stream live. */
static int
print_event (const char *json, void *data)
{
  (void)data;
  if (fputs (json, stdout) < 0 || putchar ('\n') < 0 || fflush (stdout) != 0)
    return -1;
  return 0;
}

static int
run_events (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  struct husk_events_opts o = { .interval_ns = 5000000000LL, .emit = print_event };
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+h", events_options, &cmd_events, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (&cmd_events, stdout);
        return 0;
      case OPT_STATS:
        o.stats_only = true;
        break;
      case OPT_INTERVAL:
        if (husk_parse_duration (optarg, &o.interval_ns, err) < 0)
          return husk_error_prefix (err, "invalid value \"%s\" for flag --interval", optarg);
        break;
      default:
        return -1;
      }
  if (cmd_positional (argc, argv, 1, 1, &cmd_events, err) < 0)
    return -1;
  return husk_container_events (ctx, argv[optind], &o, err) < 0 ? -1 : 0;
}

const struct husk_command cmd_events = {
  .name = "events",
  .summary = "print a container's resource statistics and OOM events as JSON",
  .usage = "[--stats] [--interval DURATION] ID",
  .run = run_events,
};

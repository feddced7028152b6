/* husk pause ID, husk resume ID: the cgroup v2 freezer. */
#include <stdio.h>

#include "cmd/cmd.h"

static const struct option help_only[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Just --help, then the id. */
static int
run_freezer (const struct husk_command *c, const struct husk_context *ctx, int argc, char **argv,
             int (*act) (const struct husk_context *, const char *, husk_err_t **),
             husk_err_t **err)
{
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+h", help_only, c, err)) != -1)
    {
      if (opt != CMD_HELP)
        return -1;
      husk_command_usage (c, stdout);
      return 0;
    }
  if (cmd_positional (argc, argv, 1, 1, c, err) < 0)
    return -1;
  return act (ctx, argv[optind], err) < 0 ? -1 : 0;
}

static int
run_pause (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  return run_freezer (&cmd_pause, ctx, argc, argv, husk_container_pause, err);
}

static int
run_resume (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  return run_freezer (&cmd_resume, ctx, argc, argv, husk_container_resume, err);
}

const struct husk_command cmd_pause = {
  .name = "pause",
  .summary = "freeze every process of a container (cgroup.freeze)",
  .usage = "ID",
  .run = run_pause,
};

const struct husk_command cmd_resume = {
  .name = "resume",
  .summary = "thaw a paused container",
  .usage = "ID",
  .run = run_resume,
};

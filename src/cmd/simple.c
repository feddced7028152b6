/* The one-argument commands: start, state, delete, kill. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "husk/signals.h"
#include "husk/util.h"

static const struct option help_only[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Options (just --help), then exactly `min`..`max` arguments. */
static int
parse_plain (const struct husk_command *c, int argc, char **argv, int min, int max,
             husk_err_t **err)
{
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+h", help_only, c, err)) != -1)
    {
      if (opt == CMD_HELP)
        {
          husk_command_usage (c, stdout);
          return 1;
        }
      return -1;
    }
  return cmd_positional (argc, argv, min, max, c, err);
}

static int
run_start (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  int r = parse_plain (&cmd_start, argc, argv, 1, 1, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  return husk_container_start (ctx, argv[optind], err) < 0 ? -1 : 0;
}

static int
run_state (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  int r = parse_plain (&cmd_state, argc, argv, 1, 1, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  cleanup_free char *json = NULL;
  if (husk_container_state (ctx, argv[optind], &json, err) < 0)
    return -1;
  fputs (json, stdout);
  return 0;
}

static const struct option delete_options[] = {
  { "force", no_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* A valid id with no state directory under the root. */
static bool
container_gone (const struct husk_context *ctx, const char *id)
{
  if (husk_id_validate (id, NULL) < 0)
    return false;
  cleanup_free char *path = xasprintf ("%s/%s", ctx->root, id);
  struct stat st;
  return lstat (path, &st) < 0 && errno == ENOENT;
}

static int
run_delete (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  bool force = false;
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+fh", delete_options, &cmd_delete, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (&cmd_delete, stdout);
        return 0;
      case 'f':
        force = true;
        break;
      default:
        return -1;
      }
  if (cmd_positional (argc, argv, 1, 1, &cmd_delete, err) < 0)
    return -1;
  if (husk_container_delete (ctx, argv[optind], force, err) == 0)
    return 0;
  /* As runc and crun: --force on a container that is already gone succeeds,
     so that engines may clean up twice (containerd's shim does). */
  if (force && container_gone (ctx, argv[optind]))
    {
      husk_err_freep (err);
      return 0;
    }
  return -1;
}

static const struct option kill_options[] = {
  { "all", no_argument, NULL, 'a' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
run_kill (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  bool all = false;
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+ah", kill_options, &cmd_kill, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (&cmd_kill, stdout);
        return 0;
      case 'a':
        all = true;
        break;
      default:
        return -1;
      }
  if (cmd_positional (argc, argv, 1, 2, &cmd_kill, err) < 0)
    return -1;
  int sig = SIGTERM;
  if (argc - optind == 2 && husk_signal_parse (argv[optind + 1], &sig, err) < 0)
    return -1;
  return husk_container_kill (ctx, argv[optind], sig, all, err) < 0 ? -1 : 0;
}

const struct husk_command cmd_start = {
  .name = "start",
  .summary = "start a created container (run its process)",
  .usage = "ID",
  .run = run_start,
};

const struct husk_command cmd_state = {
  .name = "state",
  .summary = "print the state of a container as JSON",
  .usage = "ID",
  .run = run_state,
};

const struct husk_command cmd_delete = {
  .name = "delete",
  .summary = "delete a container and everything the runtime holds for it",
  .usage = "[-f|--force] ID",
  .run = run_delete,
};

const struct husk_command cmd_kill = {
  .name = "kill",
  .summary = "send a signal (default SIGTERM) to the container's init process",
  .usage = "[-a|--all] ID [SIGNAL]",
  .run = run_kill,
};

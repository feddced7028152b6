/* husk create [-b|--bundle DIR] [--pid-file F] [--console-socket S]
                [--no-pivot] [--no-new-keyring] [--preserve-fds N] ID
   husk run    (the same) [-d|--detach] [--keep] ID */
#include <stdlib.h>

#include "cmd/cmd.h"
#include "husk/util.h"

enum
{
  OPT_PID_FILE = 256,
  OPT_CONSOLE_SOCKET,
  OPT_NO_PIVOT,
  OPT_NO_NEW_KEYRING,
  OPT_PRESERVE_FDS,
  OPT_KEEP,
  OPT_NO_SUBREAPER,
};

static const struct option create_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "no-pivot", no_argument, NULL, OPT_NO_PIVOT },
  { "no-new-keyring", no_argument, NULL, OPT_NO_NEW_KEYRING },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "detach", no_argument, NULL, 'd' },
  { "keep", no_argument, NULL, OPT_KEEP },
  { "no-subreaper", no_argument, NULL, OPT_NO_SUBREAPER },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Shared by create and run; `run` also takes --detach and --keep. */
static int
parse (const struct husk_command *c, bool run, int argc, char **argv, struct husk_create_opts *o,
       husk_err_t **err)
{
  int opt;
  while ((opt = cmd_getopt (argc, argv, run ? "+b:dh" : "+b:h", create_options, c, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (c, stdout);
        return 1;
      case 'b':
        o->bundle = optarg;
        break;
      case OPT_PID_FILE:
        o->pid_file = optarg;
        break;
      case OPT_CONSOLE_SOCKET:
        o->console_socket = optarg;
        break;
      case OPT_NO_PIVOT:
        o->no_pivot = true;
        break;
      case OPT_NO_NEW_KEYRING:
        o->no_new_keyring = true;
        break;
      case OPT_PRESERVE_FDS:
        if (cmd_parse_uint ("preserve-fds", optarg, &o->preserve_fds, err) < 0)
          return -1;
        break;
      case 'd':
      case OPT_KEEP:
      case OPT_NO_SUBREAPER:
        if (!run)
          return husk_error (err, 0, "%s: flag provided but not defined: %s", c->name,
                             argv[optind - 1]);
        if (opt == 'd')
          o->detach = true;
        else if (opt == OPT_KEEP)
          o->keep = true;
        break;
      default:
        return -1;
      }
  if (cmd_positional (argc, argv, 1, 1, c, err) < 0)
    return -1;
  o->id = argv[optind];
  return 0;
}

static int
run_create (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  struct husk_create_opts o = { 0 };
  int r = parse (&cmd_create, false, argc, argv, &o, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  return husk_container_create (ctx, &o, err) < 0 ? -1 : 0;
}

static int
run_run (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  struct husk_create_opts o = { 0 };
  int r = parse (&cmd_run, true, argc, argv, &o, err);
  if (r != 0)
    return r > 0 ? 0 : -1;
  int code;
  if (husk_container_run (ctx, &o, &code, err) < 0)
    return -1;
  return code;
}

const struct husk_command cmd_create = {
  .name = "create",
  .summary = "create a container",
  .usage = "[-b|--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--no-pivot] "
           "[--no-new-keyring] [--preserve-fds N] ID",
  .run = run_create,
};

const struct husk_command cmd_run = {
  .name = "run",
  .summary = "create and start a container, and wait for it unless detached",
  .usage = "[-b|--bundle DIR] [--pid-file FILE] [--console-socket SOCKET] [--no-pivot] "
           "[--no-new-keyring] [--preserve-fds N] [-d|--detach] [--keep] ID",
  .run = run_run,
};

/* husk exec [--process FILE | ARGS...] [-t|--tty] [--console-socket S]
     [--cwd D] [-e|--env K=V]... [-u|--user UID[:GID]] [-g|--additional-gids G]...
     [-c|--cap CAP]... [--no-new-privs] [--apparmor P] [--process-label L]
     [-d|--detach] [--pid-file F] [--preserve-fds N] [--cgroup PATH]
     [--ignore-paused] ID [ARGS...] */
#include <stdlib.h>

#include "cmd/cmd.h"
#include "husk/exec.h"
#include "husk/util.h"

enum
{
  OPT_PROCESS = 256,
  OPT_CONSOLE_SOCKET,
  OPT_CWD,
  OPT_NO_NEW_PRIVS,
  OPT_APPARMOR,
  OPT_PROCESS_LABEL,
  OPT_PID_FILE,
  OPT_PRESERVE_FDS,
  OPT_CGROUP,
  OPT_IGNORE_PAUSED,
};

static const struct option exec_options[] = {
  { "process", required_argument, NULL, 'p' },
  { "tty", no_argument, NULL, 't' },
  { "console-socket", required_argument, NULL, OPT_CONSOLE_SOCKET },
  { "cwd", required_argument, NULL, OPT_CWD },
  { "env", required_argument, NULL, 'e' },
  { "user", required_argument, NULL, 'u' },
  { "additional-gids", required_argument, NULL, 'g' },
  { "cap", required_argument, NULL, 'c' },
  { "no-new-privs", no_argument, NULL, OPT_NO_NEW_PRIVS },
  { "apparmor", required_argument, NULL, OPT_APPARMOR },
  { "process-label", required_argument, NULL, OPT_PROCESS_LABEL },
  { "detach", no_argument, NULL, 'd' },
  { "pid-file", required_argument, NULL, OPT_PID_FILE },
  { "preserve-fds", required_argument, NULL, OPT_PRESERVE_FDS },
  { "cgroup", required_argument, NULL, OPT_CGROUP },
  { "ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
push (char ***v, const char *s)
{
  size_t n = strv_len (*v);
  *v = xrealloc (*v, (n + 2) * sizeof (char *));
  (*v)[n] = (char *)s;
  (*v)[n + 1] = NULL;
}

static int
run_exec (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  struct husk_exec_opts o = { 0 };
  cleanup_free char **env = NULL, **gids = NULL, **caps = NULL;
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+p:te:u:g:c:dh", exec_options, &cmd_exec, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (&cmd_exec, stdout);
        return 0;
      case 'p':
        o.process_file = optarg;
        break;
      case 't':
        o.tty = true;
        break;
      case OPT_CONSOLE_SOCKET:
        o.console_socket = optarg;
        break;
      case OPT_CWD:
        o.cwd = optarg;
        break;
      case 'e':
        push (&env, optarg);
        break;
      case 'u':
        o.user = optarg;
        break;
      case 'g':
        push (&gids, optarg);
        break;
      case 'c':
        push (&caps, optarg);
        break;
      case OPT_NO_NEW_PRIVS:
        o.no_new_privs = true;
        break;
      case OPT_APPARMOR:
        o.apparmor = optarg;
        break;
      case OPT_PROCESS_LABEL:
        o.process_label = optarg;
        break;
      case 'd':
        o.detach = true;
        break;
      case OPT_PID_FILE:
        o.pid_file = optarg;
        break;
      case OPT_PRESERVE_FDS:
        if (cmd_parse_uint ("preserve-fds", optarg, &o.preserve_fds, err) < 0)
          return -1;
        break;
      case OPT_CGROUP:
        o.cgroup = optarg;
        break;
      case OPT_IGNORE_PAUSED:
        o.ignore_paused = true;
        break;
      default:
        return -1;
      }
  if (cmd_positional (argc, argv, o.process_file ? 1 : 2, o.process_file ? 1 : -1, &cmd_exec, err)
      < 0)
    return -1;
  o.id = argv[optind];
  o.args = argv + optind + 1;
  o.env = env;
  o.additional_gids = gids;
  o.caps = caps;
  int code;
  if (husk_container_exec (ctx, &o, &code, err) < 0)
    return -1;
  return code;
}

const struct husk_command cmd_exec = {
  .name = "exec",
  .summary = "run a new process inside a running container",
  .usage = "[--process FILE] [-t] [--console-socket SOCKET] [--cwd DIR] [-e K=V]... "
           "[-u UID[:GID]] [-g GID]... [-c CAP]... [--no-new-privs] [-d] [--pid-file FILE] "
           "[--preserve-fds N] [--cgroup PATH] [--ignore-paused] ID [COMMAND [ARGS...]]",
  .run = run_exec,
  .failure_exit = 255,
};

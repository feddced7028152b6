/* husk ps [-f|--format table|json] ID [-- PS_OPTIONS...] */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "husk/report.h"
#include "husk/util.h"

extern char **environ;

static const struct option ps_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Run the host's ps with args (NULL-terminated, args[0] = "ps"); its
   stdout and stderr together in *out, as runc reads them. */
static int
run_host_ps (char **args, char **out, husk_err_t **err)
{
  int p[2];
  if (pipe2 (p, O_CLOEXEC) < 0)
    return husk_error (err, errno, "pipe");
  cleanup_close int rd = p[0];
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init (&fa);
  posix_spawn_file_actions_adddup2 (&fa, p[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2 (&fa, p[1], STDERR_FILENO);
  pid_t pid;
  int r = posix_spawnp (&pid, "ps", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy (&fa);
  close (p[1]);
  if (r != 0)
    return husk_error (err, r, "run ps");
  size_t len = 0, cap = 4096;
  cleanup_free char *buf = xmalloc0 (cap);
  ssize_t n;
  while ((n = read (rd, buf + len, cap - len - 1)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        break;
      len += (size_t)n;
      if (cap - len < 2)
        buf = xrealloc (buf, cap *= 2);
    }
  buf[len] = '\0';
  int status;
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
    return husk_error (err, 0, "ps exited with status %d: %s",
                       WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status), buf);
  *out = steal_pointer (&buf);
  return 0;
}

static int
print_table (pid_t *pids, size_t n, int argc, char **argv, husk_err_t **err)
{
  /* runc: `ps -ef` unless the caller gives ps options */
  cleanup_free char **args = xmalloc0 ((size_t)(argc + 3) * sizeof (char *));
  size_t k = 0;
  args[k++] = (char *)"ps";
  for (int i = 0; i < argc; i++)
    args[k++] = argv[i];
  if (argc == 0)
    args[k++] = (char *)"-ef";
  cleanup_free char *output = NULL, *table = NULL;
  if (run_host_ps (args, &output, err) < 0 || husk_ps_filter (output, pids, n, &table, err) < 0)
    return -1;
  fputs (table, stdout);
  return 0;
}

static int
run_ps (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  const char *format = "table";
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+f:h", ps_options, &cmd_ps, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (&cmd_ps, stdout);
        return 0;
      case 'f':
        format = optarg;
        break;
      default:
        return -1;
      }
  bool json = strcmp (format, "json") == 0;
  if (!json && strcmp (format, "table") != 0)
    return husk_error (err, 0, "invalid format option \"%s\": use table or json", format);
  if (cmd_positional (argc, argv, 1, -1, &cmd_ps, err) < 0)
    return -1;
  const char *id = argv[optind];
  int rest = argc - optind - 1;
  char **ps_args = argv + optind + 1;
  if (rest > 0 && strcmp (ps_args[0], "--") == 0)
    {
      ps_args++;
      rest--;
    }
  cleanup_free pid_t *pids = NULL;
  size_t n = 0;
  if (husk_container_ps (ctx, id, &pids, &n, err) < 0)
    return -1;
  if (!json)
    return print_table (pids, n, rest, ps_args, err);
  cleanup_free char *text = husk_pids_json (pids, n);
  puts (text);
  return 0;
}

const struct husk_command cmd_ps = {
  .name = "ps",
  .summary = "list the processes of a container",
  .usage = "[-f|--format table|json] ID [-- PS_OPTIONS...]",
  .run = run_ps,
};

/* husk update [-r|--resources FILE|-] [--memory M] [--memory-swap M]
     [--memory-reservation M] [--cpu-share(s) N] [--cpu-quota N]
     [--cpu-period N] [--cpu-burst N] [--cpu-idle N] [--cpu-rt-period N]
     [--cpu-rt-runtime N] [--cpuset-cpus L] [--cpuset-mems L]
     [--pids-limit N] [--blkio-weight N] ID */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "husk/log.h"
#include "husk/update_doc.h"
#include "husk/util.h"

/* The value flags: where each goes in struct husk_update_flags. */
static const struct
{
  const char *name;
  size_t off;
} value_flags[] = {
  { "memory", offsetof (struct husk_update_flags, memory) },
  { "memory-swap", offsetof (struct husk_update_flags, memory_swap) },
  { "memory-reservation", offsetof (struct husk_update_flags, memory_reservation) },
  { "cpu-share", offsetof (struct husk_update_flags, cpu_shares) },
  { "cpu-shares", offsetof (struct husk_update_flags, cpu_shares) },
  { "cpu-quota", offsetof (struct husk_update_flags, cpu_quota) },
  { "cpu-period", offsetof (struct husk_update_flags, cpu_period) },
  { "cpu-burst", offsetof (struct husk_update_flags, cpu_burst) },
  { "cpu-idle", offsetof (struct husk_update_flags, cpu_idle) },
  { "cpu-rt-period", offsetof (struct husk_update_flags, cpu_rt_period) },
  { "cpu-rt-runtime", offsetof (struct husk_update_flags, cpu_rt_runtime) },
  { "cpuset-cpus", offsetof (struct husk_update_flags, cpuset_cpus) },
  { "cpuset-mems", offsetof (struct husk_update_flags, cpuset_mems) },
  { "pids-limit", offsetof (struct husk_update_flags, pids_limit) },
  { "blkio-weight", offsetof (struct husk_update_flags, blkio_weight) },
};

enum
{
  OPT_VALUE = 256, /* + index into value_flags */
  OPT_IGNORED = 512,
  OPT_RDT,
};

/* runc's flags that husk takes but does nothing with, or refuses. */
static const struct option other_options[] = {
  { "resources", required_argument, NULL, 'r' },
  { "kernel-memory", required_argument, NULL, OPT_IGNORED },
  { "kernel-memory-tcp", required_argument, NULL, OPT_IGNORED },
  { "l3-cache-schema", required_argument, NULL, OPT_RDT },
  { "mem-bw-schema", required_argument, NULL, OPT_RDT },
  { "help", no_argument, NULL, 'h' },
};

static void
build_options (struct option *o)
{
  size_t k = 0;
  for (size_t i = 0; i < ARRAY_SIZE (value_flags); i++)
    o[k++] = (struct option){ value_flags[i].name, required_argument, NULL, OPT_VALUE + (int)i };
  for (size_t i = 0; i < ARRAY_SIZE (other_options); i++)
    o[k++] = other_options[i];
  o[k] = (struct option){ NULL, 0, NULL, 0 };
}

/* All of fd (stdin for "-r -": a pipe or a socket, which cannot be reopened). */
static int
read_all_fd (int fd, char **out, size_t *len, husk_err_t **err)
{
  size_t cap = 4096, n = 0;
  cleanup_free char *buf = xmalloc0 (cap);
  for (;;)
    {
      ssize_t r = read (fd, buf + n, cap - n - 1);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return husk_error (err, errno, "read the resources from standard input");
      if (r == 0)
        break;
      n += (size_t)r;
      if (cap - n < 2)
        buf = xrealloc (buf, cap *= 2);
    }
  buf[n] = '\0';
  *len = n;
  *out = steal_pointer (&buf);
  return 0;
}

static int
run_update (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  struct option options[ARRAY_SIZE (value_flags) + ARRAY_SIZE (other_options) + 1];
  build_options (options);
  struct husk_update_flags flags = { 0 };
  const char *resources = NULL;
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+r:h", options, &cmd_update, err)) != -1)
    {
      if (opt >= OPT_VALUE && opt < OPT_VALUE + (int)ARRAY_SIZE (value_flags))
        {
          *(const char **)((char *)&flags + value_flags[opt - OPT_VALUE].off) = optarg;
          continue;
        }
      switch (opt)
        {
        case CMD_HELP:
          husk_command_usage (&cmd_update, stdout);
          return 0;
        case 'r':
          resources = optarg;
          break;
        case OPT_IGNORED:
          husk_log_warn ("Setting %s is ignored and will be removed", argv[optind - 1]);
          break;
        case OPT_RDT:
          return husk_error (err, 0, "%s: husk has no Intel RDT support", argv[optind - 1]);
        default:
          return -1;
        }
    }
  if (cmd_positional (argc, argv, 1, 1, &cmd_update, err) < 0)
    return -1;
  cleanup_free char *doc = NULL;
  size_t len = 0;
  /* runc: with --resources, the other flags are ignored */
  if (resources && strcmp (resources, "-") == 0)
    {
      if (read_all_fd (STDIN_FILENO, &doc, &len, err) < 0)
        return -1;
    }
  else if (resources)
    {
      if (husk_read_file_at (AT_FDCWD, resources, &doc, &len, err) < 0)
        return -1;
    }
  else
    {
      if (husk_update_flags_doc (&flags, &doc, err) < 0)
        return -1;
      len = strlen (doc);
    }
  return husk_container_update (ctx, argv[optind], doc, len, err) < 0 ? -1 : 0;
}

const struct husk_command cmd_update = {
  .name = "update",
  .summary = "change the resource limits of a created, running or paused container",
  .usage = "[-r|--resources FILE|-] [--memory M] [--memory-swap M] [--memory-reservation M] "
           "[--cpu-share N] [--cpu-quota N] [--cpu-period N] [--cpu-burst N] [--cpu-idle N] "
           "[--cpuset-cpus L] [--cpuset-mems L] [--pids-limit N] [--blkio-weight N] ID",
  .run = run_update,
};

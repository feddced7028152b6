/* husk spec [-b|--bundle DIR] [--rootless]: write a default config.json. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "husk/spec_default.h"
#include "husk/util.h"

enum
{
  OPT_ROOTLESS = 256,
};

static const struct option spec_options[] = {
  { "bundle", required_argument, NULL, 'b' },
  { "rootless", no_argument, NULL, OPT_ROOTLESS },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
run_spec (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  (void)ctx;
  const char *bundle = ".";
  bool rootless = false;
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+b:h", spec_options, &cmd_spec, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (&cmd_spec, stdout);
        return 0;
      case 'b':
        bundle = optarg;
        break;
      case OPT_ROOTLESS:
        rootless = true;
        break;
      default:
        return -1;
      }
  if (cmd_positional (argc, argv, 0, 0, &cmd_spec, err) < 0)
    return -1;
  cleanup_close int dfd = open (bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dfd < 0)
    return husk_error (err, errno, "bundle `%s`", bundle);
  if (faccessat (dfd, "config.json", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
    return husk_error (err, 0, "File config.json exists. Remove it first");
  cleanup_free char *json = husk_spec_default_json (rootless, geteuid (), getegid ());
  if (husk_write_file_at (dfd, "config.json", json, strlen (json), O_CREAT | O_EXCL, 0666, err) < 0)
    return -1;
  return 0;
}

const struct husk_command cmd_spec = {
  .name = "spec",
  .summary = "write a default config.json into the bundle",
  .usage = "[-b|--bundle DIR] [--rootless]",
  .run = run_spec,
};

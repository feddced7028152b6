/* husk features: the runtime-spec features document (JSON on stdout). */
#include <stdio.h>

#include "cmd/cmd.h"
#include "husk/features.h"
#include "husk/util.h"

static const struct option features_options[] = {
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static int
run_features (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  (void)ctx;
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+h", features_options, &cmd_features, err)) != -1)
    {
      if (opt != CMD_HELP)
        return -1;
      husk_command_usage (&cmd_features, stdout);
      return 0;
    }
  if (cmd_positional (argc, argv, 0, 0, &cmd_features, err) < 0)
    return -1;
  struct husk_features f;
  husk_features_collect (&f);
  cleanup_free char *json = husk_features_json (&f);
  fputs (json, stdout);
  return 0;
}

const struct husk_command cmd_features = {
  .name = "features",
  .summary = "show the OCI runtime-spec features this build of husk implements",
  .usage = "",
  .run = run_features,
};

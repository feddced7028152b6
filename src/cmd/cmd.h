/* One file per command: each parses its own flags (runc's names; `--opt
   value` and `--opt=value` via getopt_long) into a library call. */
#ifndef HUSK_CMD_H
#define HUSK_CMD_H

#include <getopt.h>
#include <stdio.h>

#include "husk/container.h"
#include "husk/error.h"

struct husk_command
{
  const char *name;
  const char *summary;
  const char *usage; /* arguments after "husk NAME" */
  /* argv[0] is the command name.  Returns the exit code, or -1 with *err set. */
  int (*run) (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err);
  int failure_exit; /* exit code when run fails; 0 means 1 (runc: exec fails with 255) */
};

extern const struct husk_command cmd_create, cmd_start, cmd_run, cmd_state, cmd_kill, cmd_delete,
    cmd_list, cmd_spec, cmd_features, cmd_exec, cmd_pause, cmd_resume, cmd_update, cmd_events,
    cmd_ps;

/* The table main.c dispatches on (commands.c). */
extern const struct husk_command *const husk_commands[];
const struct husk_command *husk_command_find (const char *name);
void husk_command_usage (const struct husk_command *c, FILE *out);

/* getopt_long over argv with the command's options; "-h/--help" handled.
   Returns the option, -1 at the end, or '?' after setting *err. */
int cmd_getopt (int argc, char **argv, const char *shortopts, const struct option *longopts,
                const struct husk_command *c, husk_err_t **err);

/* Exactly `n` positional arguments remain (after options): names the first. */
int cmd_positional (int argc, char **argv, int min, int max, const struct husk_command *c,
                    husk_err_t **err);

/* Parse a non-negative integer flag value. */
int cmd_parse_uint (const char *flag, const char *value, int *out, husk_err_t **err);

#define CMD_HELP 1000 /* returned by cmd_getopt for -h/--help: print usage, exit 0 */

#endif

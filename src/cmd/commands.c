/* The command table and the small helpers every command uses. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "husk/util.h"

/* Commands other modules add are weak references: absent ones are skipped. */
#pragma weak cmd_exec
#pragma weak cmd_features
#pragma weak cmd_pause
#pragma weak cmd_resume
#pragma weak cmd_update
#pragma weak cmd_events
#pragma weak cmd_ps

const struct husk_command *const husk_commands[] = {
  &cmd_create, &cmd_start,  &cmd_run,  &cmd_state,    &cmd_kill,  &cmd_delete,
  &cmd_list,   &cmd_spec,   &cmd_exec, &cmd_features, &cmd_pause, &cmd_resume,
  &cmd_update, &cmd_events, &cmd_ps,   NULL,
};

const struct husk_command *
husk_command_find (const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE (husk_commands) - 1; i++)
    if (husk_commands[i] && strcmp (husk_commands[i]->name, name) == 0)
      return husk_commands[i];
  return NULL;
}

void
husk_command_usage (const struct husk_command *c, FILE *out)
{
  fprintf (out, "husk %s - %s\n\nUsage: husk [global options] %s %s\n", c->name, c->summary,
           c->name, c->usage);
}

int
cmd_getopt (int argc, char **argv, const char *shortopts, const struct option *longopts,
            const struct husk_command *c, husk_err_t **err)
{
  opterr = 0;
  /* a leading ':' makes getopt tell a missing value (':') from an unknown flag ('?') */
  char opts[64];
  snprintf (opts, sizeof opts, "+:%s", shortopts + (shortopts[0] == '+'));
  int opt = getopt_long (argc, argv, opts, longopts, NULL);
  if (opt == 'h')
    return CMD_HELP;
  if (opt == '?' || opt == ':')
    {
      const char *bad = argv[optind - 1];
      if (opt == ':')
        husk_error (err, 0, "%s: flag needs an argument: %s", c->name, bad);
      else
        husk_error (err, 0, "%s: flag provided but not defined: %s", c->name, bad);
      return '?';
    }
  return opt;
}

int
cmd_positional (int argc, char **argv, int min, int max, const struct husk_command *c,
                husk_err_t **err)
{
  int n = argc - optind;
  (void)argv;
  if (n < min)
    return husk_error (err, 0, "%s: \"husk %s\" requires %s%d argument%s (usage: husk %s %s)",
                       c->name, c->name, min == max ? "exactly " : "at least ", min,
                       min == 1 ? "" : "s", c->name, c->usage);
  if (max >= 0 && n > max)
    return husk_error (err, 0, "%s: \"husk %s\" takes at most %d argument%s (usage: husk %s %s)",
                       c->name, c->name, max, max == 1 ? "" : "s", c->name, c->usage);
  return 0;
}

int
cmd_parse_uint (const char *flag, const char *value, int *out, husk_err_t **err)
{
  if (husk_parse_int (value, out) < 0 || *out < 0)
    return husk_error (err, 0, "invalid value \"%s\" for flag --%s", value, flag);
  return 0;
}

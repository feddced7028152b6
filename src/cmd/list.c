/* husk list [-f|--format table|json] [-q|--quiet] */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "husk/util.h"

static const struct option list_options[] = {
  { "format", required_argument, NULL, 'f' },
  { "quiet", no_argument, NULL, 'q' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

static void
print_table (const struct husk_list_entry *e, size_t n)
{
  const char *heads[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
  size_t w[6];
  for (size_t c = 0; c < 6; c++)
    w[c] = strlen (heads[c]);
  char pid[16];
  for (size_t i = 0; i < n; i++)
    {
      const struct husk_state *st = e[i].state;
      snprintf (pid, sizeof pid, "%d", e[i].status == HUSK_STATUS_STOPPED ? 0 : st->pid);
      const char *cells[] = { st->id,
                              pid,
                              husk_status_names[e[i].status],
                              st->bundle ? st->bundle : "",
                              st->created ? st->created : "",
                              "root" };
      for (size_t c = 0; c < 6; c++)
        if (strlen (cells[c]) > w[c])
          w[c] = strlen (cells[c]);
    }
  /* tabwriter-like: minimum width 12, padding 3, like runc */
  for (size_t c = 0; c < 6; c++)
    printf ("%-*s", c < 5 ? (int)(w[c] < 9 ? 12 : w[c] + 3) : 0, heads[c]);
  putchar ('\n');
  for (size_t i = 0; i < n; i++)
    {
      const struct husk_state *st = e[i].state;
      snprintf (pid, sizeof pid, "%d", e[i].status == HUSK_STATUS_STOPPED ? 0 : st->pid);
      const char *cells[] = { st->id,
                              pid,
                              husk_status_names[e[i].status],
                              st->bundle ? st->bundle : "",
                              st->created ? st->created : "",
                              "root" };
      for (size_t c = 0; c < 6; c++)
        printf ("%-*s", c < 5 ? (int)(w[c] < 9 ? 12 : w[c] + 3) : 0, cells[c]);
      putchar ('\n');
    }
}

static int
run_list (const struct husk_context *ctx, int argc, char **argv, husk_err_t **err)
{
  const char *format = "table";
  bool quiet = false;
  int opt;
  while ((opt = cmd_getopt (argc, argv, "+f:qh", list_options, &cmd_list, err)) != -1)
    switch (opt)
      {
      case CMD_HELP:
        husk_command_usage (&cmd_list, stdout);
        return 0;
      case 'f':
        format = optarg;
        break;
      case 'q':
        quiet = true;
        break;
      default:
        return -1;
      }
  if (strcmp (format, "table") != 0 && strcmp (format, "json") != 0)
    return husk_error (err, 0, "invalid format option \"%s\": use table or json", format);
  if (cmd_positional (argc, argv, 0, 0, &cmd_list, err) < 0)
    return -1;
  struct husk_list_entry *e = NULL;
  size_t n = 0;
  if (husk_container_list (ctx, &e, &n, err) < 0)
    return -1;
  if (quiet)
    for (size_t i = 0; i < n; i++)
      puts (e[i].state->id);
  else if (strcmp (format, "json") == 0)
    {
      putchar ('[');
      for (size_t i = 0; i < n; i++)
        {
          cleanup_free char *json = husk_state_json (e[i].state, e[i].status, false);
          printf ("%s%s", i ? "," : "", json);
        }
      puts ("]");
    }
  else
    print_table (e, n);
  husk_list_free (e, n);
  return 0;
}

const struct husk_command cmd_list = {
  .name = "list",
  .summary = "list the containers under --root",
  .usage = "[-f|--format table|json] [-q|--quiet]",
  .run = run_list,
};

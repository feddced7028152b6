/* husk list [-f|--format table|json] [-q|--quiet] */
#include <stdio.h>
#include <stdlib.h>
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

/* The user name of uid from /etc/passwd (no NSS in a static binary), else
   the number. */
static void
owner_name (uid_t uid, char *buf, size_t size)
{
  snprintf (buf, size, "%u", (unsigned)uid);
  cleanup_fclose FILE *f = fopen ("/etc/passwd", "re");
  char line[512];
  while (f && fgets (line, sizeof line, f))
    {
      char *name = strtok (line, ":"), *pw = strtok (NULL, ":"), *id = strtok (NULL, ":");
      (void)pw;
      if (name && id && strtoul (id, NULL, 10) == uid)
        {
          snprintf (buf, size, "%s", name);
          return;
        }
    }
}

struct row
{
  char pid[16];
  char owner[64];
  const char *cells[6];
};

static void
fill_row (const struct husk_list_entry *e, struct row *r)
{
  const struct husk_state *st = e->state;
  snprintf (r->pid, sizeof r->pid, "%d", e->status == HUSK_STATUS_STOPPED ? 0 : st->pid);
  owner_name (e->owner, r->owner, sizeof r->owner);
  const char *cells[] = {
    st->id,
    r->pid,
    husk_status_names[e->status],
    st->bundle ? st->bundle : "",
    st->created ? st->created : "",
    r->owner,
  };
  memcpy (r->cells, cells, sizeof cells);
}

/* tabwriter-like: minimum width 12, padding 3, like runc */
static void
print_cells (const char *const *cells, const size_t *w)
{
  for (size_t c = 0; c < 6; c++)
    printf ("%-*s", c < 5 ? (int)(w[c] < 9 ? 12 : w[c] + 3) : 0, cells[c]);
  putchar ('\n');
}

static void
print_table (const struct husk_list_entry *e, size_t n)
{
  const char *heads[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
  struct row *rows = xmalloc0 ((n + 1) * sizeof *rows);
  size_t w[6];
  for (size_t c = 0; c < 6; c++)
    w[c] = strlen (heads[c]);
  for (size_t i = 0; i < n; i++)
    {
      fill_row (&e[i], &rows[i]);
      for (size_t c = 0; c < 6; c++)
        if (strlen (rows[i].cells[c]) > w[c])
          w[c] = strlen (rows[i].cells[c]);
    }
  print_cells (heads, w);
  for (size_t i = 0; i < n; i++)
    print_cells (rows[i].cells, w);
  free (rows);
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

/* husk: global options, the command table, and the only place that exits. */
#include <errno.h>
#include <getopt.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "husk/exe.h"
#include "husk/log.h"
#include "husk/util.h"

enum
{
  OPT_ROOT = 256,
  OPT_LOG,
  OPT_LOG_FORMAT,
  OPT_DEBUG,
  OPT_SYSTEMD_CGROUP,
  OPT_CRIU,
  OPT_ROOTLESS,
};

static const struct option global_options[] = {
  { "root", required_argument, NULL, OPT_ROOT },
  { "log", required_argument, NULL, OPT_LOG },
  { "log-format", required_argument, NULL, OPT_LOG_FORMAT },
  { "debug", no_argument, NULL, OPT_DEBUG },
  { "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
  { "criu", required_argument, NULL, OPT_CRIU },
  { "rootless", required_argument, NULL, OPT_ROOTLESS },
  { "version", no_argument, NULL, 'v' },
  { "help", no_argument, NULL, 'h' },
  { NULL, 0, NULL, 0 },
};

/* Commands whose process ends up inside a container. */
static const char *const exec_commands[] = { "create", "run", "exec" };

static void
print_version (void)
{
  const struct scmp_version *v = seccomp_version ();
  printf ("husk version %s\ncommit: %s\nspec: %s\nlibseccomp: %u.%u.%u\n", HUSK_VERSION,
          HUSK_COMMIT, HUSK_SPEC_VERSION, v->major, v->minor, v->micro);
}

static void
print_help (FILE *out)
{
  fputs ("husk - an OCI container runtime\n\n"
         "Usage: husk [global options] COMMAND [options] [arguments]\n\nCommands:\n",
         out);
  for (size_t i = 0; husk_commands[i] || i < 15; i++)
    if (husk_commands[i])
      fprintf (out, "   %-10s %s\n", husk_commands[i]->name, husk_commands[i]->summary);
  fputs ("   help       show a command's usage\n\n"
         "Global options:\n"
         "   --root DIR            state directory (default " HUSK_DEFAULT_ROOT ",\n"
         "                         $XDG_RUNTIME_DIR/husk when not root)\n"
         "   --log FILE            write log lines to FILE\n"
         "   --log-format FORMAT   text (default) or json\n"
         "   --debug               also log debug lines\n"
         "   --systemd-cgroup      use systemd for cgroups (not supported)\n"
         "   -v, --version         print the version\n"
         "   -h, --help            print this help\n",
         out);
}

static int
fail_with (husk_err_t *err, int code)
{
  cleanup_free char *text = husk_error_text (err);
  if (!husk_log_is_stderr ())
    husk_log_error ("%s", text);
  fprintf (stderr, "husk: %s\n", text);
  husk_err_free (err);
  return code;
}

static int
fail (husk_err_t *err)
{
  return fail_with (err, 1);
}

static int
help_command (int argc, char **argv)
{
  if (argc < 2)
    {
      print_help (stdout);
      return 0;
    }
  const struct husk_command *c = husk_command_find (argv[1]);
  if (c == NULL)
    {
      fprintf (stderr, "husk: no such command \"%s\"\n", argv[1]);
      return 1;
    }
  husk_command_usage (c, stdout);
  return 0;
}

int
main (int argc, char **argv)
{
  cleanup_free char *default_root = husk_state_default_root ();
  struct husk_context ctx = { .root = default_root };
  const char *log_path = NULL, *log_format = "text";
  husk_err_t *err = NULL;
  int opt;
  opterr = 0;
  while ((opt = getopt_long (argc, argv, "+vh", global_options, NULL)) != -1)
    switch (opt)
      {
      case OPT_ROOT:
        ctx.root = optarg;
        break;
      case OPT_LOG:
        log_path = optarg;
        break;
      case OPT_LOG_FORMAT:
        log_format = optarg;
        break;
      case OPT_DEBUG:
        ctx.debug = true;
        break;
      case OPT_SYSTEMD_CGROUP:
        ctx.systemd_cgroup = true;
        break;
      case OPT_CRIU:
      case OPT_ROOTLESS:
        break; /* accepted for runc compatibility */
      case 'v':
        print_version ();
        return 0;
      case 'h':
        print_help (stdout);
        return 0;
      default:
        husk_error (&err, 0, "flag provided but not defined: %s", argv[optind - 1]);
        return fail (err);
      }
  if (strcmp (log_format, "text") != 0 && strcmp (log_format, "json") != 0)
    {
      husk_error (&err, 0, "invalid log-format \"%s\": use text or json", log_format);
      return fail (err);
    }
  if (husk_log_init (log_path, strcmp (log_format, "json") == 0, ctx.debug) < 0)
    {
      husk_error (&err, errno, "open log file `%s`", log_path);
      return fail (err);
    }
  if (optind >= argc)
    {
      print_help (stderr);
      return 1;
    }
  char **cargv = argv + optind;
  int cargc = argc - optind;
  if (strcmp (cargv[0], "help") == 0)
    return help_command (cargc, cargv);
  const struct husk_command *c = husk_command_find (cargv[0]);
  if (c == NULL)
    {
      husk_error (&err, 0, "no such command \"%s\"", cargv[0]);
      return fail (err);
    }
  /* they protect the binary once the config is read (exe.h), maybe by
     re-exec'ing it with these arguments */
  for (size_t i = 0; i < ARRAY_SIZE (exec_commands); i++)
    if (strcmp (c->name, exec_commands[i]) == 0)
      husk_exe_save_argv (argv);
  optind = 1;
  int code = c->run (&ctx, cargc, cargv, &err);
  fflush (stdout);
  if (code < 0)
    return fail_with (err, c->failure_exit ? c->failure_exit : 1);
  return code;
}

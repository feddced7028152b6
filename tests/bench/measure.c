/* measure: run a command and report what it cost, for tests/bench/run.sh.

     measure [--cgroup DIR] [--mntns FILE] [-j N] [-r N] [-o] [-q] -- CMD ARG...

   Prints one line on stdout:
     wall_ns=W user_us=U sys_us=S maxrss_kb=M status=X
   wall is from just before the first fork to just after the last wait;
   user/sys are the RUSAGE_CHILDREN deltas over that interval (the whole
   process tree, as long as each level waits for its children); maxrss is
   RUSAGE_CHILDREN's, the largest resident set of any waited-for descendant.
   Run one measure per sample: maxrss is a high-water mark of this process's
   lifetime, not a delta.  status is the first non-zero wait status (0 if all
   succeeded); measure exits 1 when any command failed.

   --cgroup DIR   first join the cgroup v2 directory DIR (write our pid to
                  its cgroup.procs), so everything we start lives there
   --mntns FILE   then enter the mount namespace FILE (e.g. /proc/PID/ns/mnt),
                  once, before anything is timed
   -j N           start N copies at once and wait for all of them
   -r N           N rounds one after another (with -j: N rounds of N copies)
   -o             leave the command's stdout alone (default: /dev/null)
   -q             print no result line, exit with the command's status
                  (to run a command inside the bench's cgroup and namespace)
   "{}" in an argument becomes the copy's number (round * jobs + copy), so
   parallel or repeated runs can use distinct container ids.

   The child between fork and exec is a copy of this small static program;
   its few hundred KiB count towards maxrss as they would for any parent. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 256

static void
die (const char *what)
{
  fprintf (stderr, "measure: %s: %s\n", what, strerror (errno));
  exit (2);
}

static void
usage (void)
{
  fputs ("usage: measure [--cgroup DIR] [--mntns FILE] [-j N] [-r N] [-o] -- CMD ARG...\n", stderr);
  exit (2);
}

static long
count_arg (const char *s)
{
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (errno || *end || v < 1 || v > 1000000)
    usage ();
  return v;
}

static void
join_cgroup (const char *dir)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/cgroup.procs", dir);
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write (fd, "0", 1) != 1)
    die (path);
  close (fd);
}

/* setns(CLONE_NEWNS) moves us to the namespace's root directory; come back
   to the same path (the namespace is a copy of ours, so it exists). */
static void
enter_mntns (const char *file)
{
  char cwd[4096];
  if (getcwd (cwd, sizeof cwd) == NULL)
    die ("getcwd");
  int fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    die (file);
  if (setns (fd, CLONE_NEWNS) < 0)
    die ("setns");
  close (fd);
  if (chdir (cwd) < 0)
    die (cwd);
}

/* argv with every "{}" replaced by n; built before fork so the child only execs. */
static char **
expand (char **argv, int argc, long n)
{
  char **out = calloc (argc + 1, sizeof *out);
  if (out == NULL)
    die ("calloc");
  for (int i = 0; i < argc; i++)
    {
      const char *hole = strstr (argv[i], "{}");
      if (hole == NULL)
        {
          out[i] = argv[i];
          continue;
        }
      if (asprintf (&out[i], "%.*s%ld%s", (int)(hole - argv[i]), argv[i], n, hole + 2) < 0)
        die ("asprintf");
    }
  return out;
}

static void
free_expanded (char **exp, char **argv, int argc)
{
  for (int i = 0; i < argc; i++)
    if (exp[i] != argv[i])
      free (exp[i]);
  free (exp);
}

static long long
now_ns (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long
tv_us (struct timeval tv)
{
  return tv.tv_sec * 1000000LL + tv.tv_usec;
}

int
main (int argc, char **argv)
{
  const char *cgroup = NULL, *mntns = NULL;
  long jobs = 1, rounds = 1;
  int keep_stdout = 0, quiet = 0, i = 1;
  for (; i < argc && strcmp (argv[i], "--") != 0; i++)
    {
      if (strcmp (argv[i], "-o") == 0)
        keep_stdout = 1;
      else if (strcmp (argv[i], "-q") == 0)
        quiet = 1;
      else if (i + 1 >= argc)
        usage ();
      else if (strcmp (argv[i], "--cgroup") == 0)
        cgroup = argv[++i];
      else if (strcmp (argv[i], "--mntns") == 0)
        mntns = argv[++i];
      else if (strcmp (argv[i], "-j") == 0)
        jobs = count_arg (argv[++i]);
      else if (strcmp (argv[i], "-r") == 0)
        rounds = count_arg (argv[++i]);
      else
        usage ();
    }
  if (i + 1 >= argc || jobs > MAX_JOBS)
    usage ();
  char **cmd = argv + i + 1;
  int cmd_argc = argc - i - 1;

  if (cgroup)
    join_cgroup (cgroup);
  if (mntns)
    enter_mntns (mntns);
  int devnull = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    die ("/dev/null");

  struct rusage before, after;
  getrusage (RUSAGE_CHILDREN, &before);
  long long start = now_ns ();
  int first_bad = 0;
  for (long r = 0; r < rounds; r++)
    {
      char **exp[MAX_JOBS];
      for (long j = 0; j < jobs; j++)
        exp[j] = expand (cmd, cmd_argc, r * jobs + j);
      for (long j = 0; j < jobs; j++)
        {
          pid_t pid = fork ();
          if (pid < 0)
            die ("fork");
          if (pid == 0)
            {
              dup2 (devnull, 0);
              if (!keep_stdout)
                dup2 (devnull, 1);
              execvp (exp[j][0], exp[j]);
              fprintf (stderr, "measure: exec %s: %s\n", exp[j][0], strerror (errno));
              _exit (127);
            }
        }
      for (long j = 0; j < jobs; j++)
        {
          int status;
          if (wait (&status) < 0)
            die ("wait");
          if (status != 0 && first_bad == 0)
            first_bad = status;
        }
      for (long j = 0; j < jobs; j++)
        free_expanded (exp[j], cmd, cmd_argc);
    }
  long long wall = now_ns () - start;
  getrusage (RUSAGE_CHILDREN, &after);

  int code = WIFEXITED (first_bad) ? WEXITSTATUS (first_bad) : 128 + WTERMSIG (first_bad);
  if (quiet)
    return code;
  printf ("wall_ns=%lld user_us=%lld sys_us=%lld maxrss_kb=%ld status=%d\n", wall,
          tv_us (after.ru_utime) - tv_us (before.ru_utime),
          tv_us (after.ru_stime) - tv_us (before.ru_stime), after.ru_maxrss, code);
  return first_bad ? 1 : 0;
}

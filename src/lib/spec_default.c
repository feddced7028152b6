/* The default config.json: see include/husk/spec_default.h. */
#include <string.h>
#include <yajl/yajl_gen.h>

#include "husk/spec_default.h"
#include "husk/util.h"

static void
str (yajl_gen g, const char *s)
{
  yajl_gen_string (g, (const unsigned char *)s, strlen (s));
}

static void
kv (yajl_gen g, const char *k, const char *v)
{
  str (g, k);
  str (g, v);
}

static void
strv (yajl_gen g, const char *key, const char *const *v)
{
  str (g, key);
  yajl_gen_array_open (g);
  for (; *v; v++)
    str (g, *v);
  yajl_gen_array_close (g);
}

static const char *const default_caps[]
    = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };

static void
gen_process (yajl_gen g)
{
  static const char *const args[] = { "sh", NULL };
  static const char *const env[]
      = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL };
  str (g, "process");
  yajl_gen_map_open (g);
  str (g, "terminal");
  yajl_gen_bool (g, 1);
  str (g, "user");
  yajl_gen_map_open (g);
  str (g, "uid");
  yajl_gen_integer (g, 0);
  str (g, "gid");
  yajl_gen_integer (g, 0);
  yajl_gen_map_close (g);
  strv (g, "args", args);
  strv (g, "env", env);
  kv (g, "cwd", "/");
  str (g, "capabilities");
  yajl_gen_map_open (g);
  /* no inheritable (CVE-2022-29162) and no ambient set */
  strv (g, "bounding", default_caps);
  strv (g, "effective", default_caps);
  strv (g, "permitted", default_caps);
  yajl_gen_map_close (g);
  str (g, "rlimits");
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  kv (g, "type", "RLIMIT_NOFILE");
  str (g, "hard");
  yajl_gen_integer (g, 1024);
  str (g, "soft");
  yajl_gen_integer (g, 1024);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
  str (g, "noNewPrivileges");
  yajl_gen_bool (g, 1);
  yajl_gen_map_close (g);
}

struct default_mount
{
  const char *destination, *type, *source;
  const char *options[8];
};

static const struct default_mount default_mounts[] = {
  { "/proc", "proc", "proc", { NULL } },
  { "/dev", "tmpfs", "tmpfs", { "nosuid", "strictatime", "mode=755", "size=65536k", NULL } },
  { "/dev/pts",
    "devpts",
    "devpts",
    { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL } },
  { "/dev/shm", "tmpfs", "shm", { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL } },
  { "/dev/mqueue", "mqueue", "mqueue", { "nosuid", "noexec", "nodev", NULL } },
  { "/sys", "sysfs", "sysfs", { "nosuid", "noexec", "nodev", "ro", NULL } },
  { "/sys/fs/cgroup", "cgroup", "cgroup", { "nosuid", "noexec", "nodev", "relatime", "ro", NULL } },
};

/* rootless: no gid=5 on devpts (no such group mapped), /sys bound from the host */
static const struct default_mount rootless_pts
    = { "/dev/pts",
        "devpts",
        "devpts",
        { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL } };
static const struct default_mount rootless_sys
    = { "/sys", "none", "/sys", { "rbind", "nosuid", "noexec", "nodev", "ro", NULL } };

static void
gen_mount (yajl_gen g, const struct default_mount *m)
{
  yajl_gen_map_open (g);
  kv (g, "destination", m->destination);
  kv (g, "type", m->type);
  kv (g, "source", m->source);
  if (m->options[0])
    strv (g, "options", m->options);
  yajl_gen_map_close (g);
}

static void
gen_mounts (yajl_gen g, bool rootless)
{
  str (g, "mounts");
  yajl_gen_array_open (g);
  for (size_t i = 0; i < ARRAY_SIZE (default_mounts); i++)
    {
      const struct default_mount *m = &default_mounts[i];
      if (rootless && strcmp (m->destination, "/dev/pts") == 0)
        m = &rootless_pts;
      else if (rootless && strcmp (m->destination, "/sys") == 0)
        m = &rootless_sys;
      else if (rootless && strcmp (m->destination, "/sys/fs/cgroup") == 0)
        continue;
      gen_mount (g, m);
    }
  yajl_gen_array_close (g);
}

static void
gen_idmap (yajl_gen g, const char *key, unsigned host)
{
  str (g, key);
  yajl_gen_array_open (g);
  yajl_gen_map_open (g);
  str (g, "containerID");
  yajl_gen_integer (g, 0);
  str (g, "hostID");
  yajl_gen_integer (g, host);
  str (g, "size");
  yajl_gen_integer (g, 1);
  yajl_gen_map_close (g);
  yajl_gen_array_close (g);
}

static void
gen_linux (yajl_gen g, bool rootless, uid_t uid, gid_t gid)
{
  static const char *const masked[] = { "/proc/acpi",
                                        "/proc/asound",
                                        "/proc/kcore",
                                        "/proc/keys",
                                        "/proc/latency_stats",
                                        "/proc/timer_list",
                                        "/proc/timer_stats",
                                        "/proc/sched_debug",
                                        "/sys/firmware",
                                        "/proc/scsi",
                                        NULL };
  static const char *const readonly[]
      = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL };
  static const char *const ns_root[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
  static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", "user", NULL };
  str (g, "linux");
  yajl_gen_map_open (g);
  if (rootless)
    {
      gen_idmap (g, "uidMappings", uid);
      gen_idmap (g, "gidMappings", gid);
    }
  else
    {
      str (g, "resources");
      yajl_gen_map_open (g);
      str (g, "devices");
      yajl_gen_array_open (g);
      yajl_gen_map_open (g);
      str (g, "allow");
      yajl_gen_bool (g, 0);
      kv (g, "access", "rwm");
      yajl_gen_map_close (g);
      yajl_gen_array_close (g);
      yajl_gen_map_close (g);
    }
  str (g, "namespaces");
  yajl_gen_array_open (g);
  for (const char *const *n = rootless ? ns_rootless : ns_root; *n; n++)
    {
      yajl_gen_map_open (g);
      kv (g, "type", *n);
      yajl_gen_map_close (g);
    }
  yajl_gen_array_close (g);
  strv (g, "maskedPaths", masked);
  strv (g, "readonlyPaths", readonly);
  yajl_gen_map_close (g);
}

char *
husk_spec_default_json (bool rootless, uid_t uid, gid_t gid)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  yajl_gen_config (g, yajl_gen_beautify, 1);
  yajl_gen_config (g, yajl_gen_indent_string, "\t");
  yajl_gen_map_open (g);
  kv (g, "ociVersion", HUSK_SPEC_VERSION);
  gen_process (g);
  str (g, "root");
  yajl_gen_map_open (g);
  kv (g, "path", "rootfs");
  str (g, "readonly");
  yajl_gen_bool (g, 1);
  yajl_gen_map_close (g);
  kv (g, "hostname", "husk");
  gen_mounts (g, rootless);
  gen_linux (g, rootless, uid, gid);
  yajl_gen_map_close (g);
  const unsigned char *buf;
  size_t len;
  yajl_gen_get_buf (g, &buf, &len);
  char *r = xasprintf ("%.*s", (int)len, buf);
  yajl_gen_free (g);
  return r;
}

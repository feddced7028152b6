/* linux.sysctl: key → /proc path, and which keys a config may set. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "husk/sysctl.h"
#include "husk/util.h"

#include "check_main.h"
#include "spec_helpers.h"

START_TEST (proc_paths)
{
  static const struct
  {
    const char *key, *path;
  } ok[] = {
    { "net.ipv4.ip_forward", "sys/net/ipv4/ip_forward" },
    { "kernel.shmmax", "sys/kernel/shmmax" },
    { "net/ipv4/conf/eth0.100/forwarding", "sys/net/ipv4/conf/eth0.100/forwarding" },
    { "fs.mqueue.msg_max", "sys/fs/mqueue/msg_max" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (ok); i++)
    {
      cleanup_free char *p = husk_sysctl_proc_path (ok[i].key);
      ck_assert_ptr_nonnull (p);
      ck_assert_str_eq (p, ok[i].path);
    }
  static const char *const bad[]
      = { "",        ".",      "net..ipv4", "net.",  ".net", "net/../kernel/x",
          "net/./x", "net//x", "/net/x",    "net/x/" };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_free char *p = husk_sysctl_proc_path (bad[i]);
      ck_assert_msg (p == NULL, "\"%s\" accepted as %s", bad[i], p);
    }
}
END_TEST

/* A config with the given namespaces and one sysctl key. */
static int
check_one (const char *namespaces, const char *key, husk_err_t **err)
{
  cleanup_free char *doc
      = xasprintf ("{'ociVersion': '1.0.0', 'root': {'path': 'r'}, 'process': {'args': ['x'], "
                   "'cwd': '/'}, 'linux': {'namespaces': [%s], 'sysctl': {'%s': '1'}}}",
                   namespaces, key);
  struct husk_spec *spec = parse_ok (doc);
  int r = husk_sysctl_check (spec, err);
  husk_spec_free (spec);
  return r;
}

START_TEST (namespaced_keys)
{
  static const struct
  {
    const char *ns, *key;
  } ok[] = {
    { "{'type': 'ipc'}", "kernel.shmmax" },
    { "{'type': 'ipc'}", "kernel.msgmnb" },
    { "{'type': 'ipc'}", "kernel.sem" },
    { "{'type': 'ipc'}", "kernel.shm_rmid_forced" },
    { "{'type': 'ipc'}", "fs.mqueue.queues_max" },
    { "{'type': 'uts'}", "kernel.domainname" },
    { "{'type': 'network'}", "net.ipv4.ip_forward" },
    { "{'type': 'network'}", "net/ipv4/conf/all/forwarding" },
    { "{'type': 'network', 'path': '/proc/1/ns/ipc'}", "net.core.somaxconn" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (ok); i++)
    {
      cleanup_err husk_err_t *err = NULL;
      ck_assert_msg (check_one (ok[i].ns, ok[i].key, &err) == 0, "%s: %s", ok[i].key,
                     err ? err->msg : "");
    }
}
END_TEST

START_TEST (refused_keys)
{
  static const struct
  {
    const char *ns, *key, *msg;
  } bad[] = {
    { "{'type': 'ipc'}", "kernel.core_pattern",
      "config.json: linux.sysctl: \"kernel.core_pattern\" is not namespaced: it would change the "
      "host" },
    { "{'type': 'network'}", "vm.overcommit_memory",
      "config.json: linux.sysctl: \"vm.overcommit_memory\" is not namespaced: it would change "
      "the host" },
    { "{'type': 'network'}", "kernel.shmmax",
      "config.json: linux.sysctl: \"kernel.shmmax\" needs a ipc namespace of the container's own" },
    { "{'type': 'ipc'}", "net.ipv4.ip_forward",
      "config.json: linux.sysctl: \"net.ipv4.ip_forward\" needs a network namespace of the "
      "container's own" },
    /* the runtime's own network namespace is the host's */
    { "{'type': 'network', 'path': '/proc/self/ns/net'}", "net.ipv4.ip_forward",
      "config.json: linux.sysctl: \"net.ipv4.ip_forward\" needs a network namespace of the "
      "container's own" },
    { "{'type': 'uts'}", "kernel.hostname",
      "config.json: linux.sysctl: \"kernel.hostname\" is not allowed: it conflicts with the "
      "hostname field" },
    { "{'type': 'network'}", "net/../kernel/core_pattern",
      "config.json: linux.sysctl: \"net/../kernel/core_pattern\" is not a valid key" },
    { "{'type': 'network'}", "net.ipv4..x",
      "config.json: linux.sysctl: \"net.ipv4..x\" is not a valid key" },
  };
  for (size_t i = 0; i < ARRAY_SIZE (bad); i++)
    {
      cleanup_err husk_err_t *err = NULL;
      ck_assert_msg (check_one (bad[i].ns, bad[i].key, &err) < 0, "%s accepted", bad[i].key);
      ck_assert_str_eq (err->msg, bad[i].msg);
    }
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("sysctl");
  TCase *tc = tcase_create ("sysctl");
  tcase_add_test (tc, proc_paths);
  tcase_add_test (tc, namespaced_keys);
  tcase_add_test (tc, refused_keys);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}

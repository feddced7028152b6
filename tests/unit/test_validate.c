/* Cross-field rules of config.json: each rule is broken once, on an
   otherwise valid config, and must fail with its exact message. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "husk/spec.h"
#include "husk/util.h"
#include "husk/validate.h"
#include "check_main.h"
#include "spec_helpers.h"

/* A valid base: version, process, root; cases add or replace parts. */
#define V              "'ociVersion':'1.0.0'"
#define PROC           "'process':{'cwd':'/','args':['sh']}"
#define PROC_WITH(...) "'process':{'cwd':'/','args':['sh']," __VA_ARGS__ "}"
#define ROOT           "'root':{'path':'rootfs'}"
#define BASE           V "," PROC "," ROOT
#define NS(...)        "'namespaces':[" __VA_ARGS__ "]"

static int
validate (const char *single_quoted, husk_err_t **err)
{
  cleanup_spec struct husk_spec *spec = parse_ok (single_quoted);
  return husk_spec_validate (spec, err);
}

static void
expect_valid (const char *single_quoted)
{
  cleanup_err husk_err_t *err = NULL;
  int r = validate (single_quoted, &err);
  ck_assert_msg (r == 0, "%s: %s", single_quoted, err ? err->msg : "?");
}

static const struct error_case invalid_cases[] = {
  { "{" V "," ROOT "}", "config.json: process: missing required field" },
  { "{" V "," PROC "}", "config.json: root: missing required field" },
  { "{" V "," PROC ",'root':{'path':''}}", "config.json: root.path: must not be empty" },
  { "{" V ",'process':{'cwd':'/','args':[]}," ROOT "}",
    "config.json: process.args: must not be empty" },
  { "{" V ",'process':{'cwd':'work','args':['sh']}," ROOT "}",
    "config.json: process.cwd: must be an absolute path" },
  { "{" V "," PROC_WITH ("'rlimits':[{'type':'RLIMIT_NOFILE','hard':5,'soft':10}]") "," ROOT "}",
    "config.json: process.rlimits[0]: soft limit 10 exceeds hard limit 5" },
  { "{" V "," PROC_WITH ("'rlimits':[{'type':'RLIMIT_NOFILE','hard':5,'soft':1},"
                         "{'type':'RLIMIT_CORE','hard':0,'soft':0},"
                         "{'type':'RLIMIT_NOFILE','hard':9,'soft':9}]") "," ROOT "}",
    "config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\"" },
  { "{" V "," PROC_WITH ("'oomScoreAdj':1001") "," ROOT "}",
    "config.json: process.oomScoreAdj: must be between -1000 and 1000" },
  { "{" V "," PROC_WITH ("'oomScoreAdj':-1001") "," ROOT "}",
    "config.json: process.oomScoreAdj: must be between -1000 and 1000" },
  { "{" BASE ",'mounts':[{'destination':'/a'},{'destination':'/b'},{'destination':'/c'},"
    "{'destination':'d'}]}",
    "config.json: mounts[3].destination: must be an absolute path" },
  { "{" BASE ",'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1,"
    "'size':1}]}]}",
    "config.json: mounts[0]: uidMappings and gidMappings must be given together" },
  { "{" BASE ",'hooks':{'poststart':[{'path':'/ok'},{'path':'hook.sh'}]}}",
    "config.json: hooks.poststart[1].path: must be an absolute path" },
  { "{" BASE ",'hooks':{'createContainer':[{'path':'/h','timeout':0}]}}",
    "config.json: hooks.createContainer[0].timeout: must be greater than zero" },
  { "{" BASE ",'hooks':{'poststop':[{'path':'/h','timeout':-3}]}}",
    "config.json: hooks.poststop[0].timeout: must be greater than zero" },
  { "{" BASE ",'linux':{" NS ("{'type':'pid'},{'type':'ipc'},{'type':'pid'}") "}}",
    "config.json: linux.namespaces[2].type: duplicate namespace \"pid\"" },
  { "{" BASE ",'linux':{" NS ("{'type':'network','path':'netns/x'}") "}}",
    "config.json: linux.namespaces[0].path: must be an absolute path" },
  { "{" BASE ",'linux':{'uidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
    "config.json: linux.uidMappings: requires a user namespace" },
  { "{" BASE ",'linux':{'gidMappings':[{'containerID':0,'hostID':1000,'size':1}]}}",
    "config.json: linux.gidMappings: requires a user namespace" },
  { "{" BASE ",'linux':{" NS ("{'type':'user'}") ",'gidMappings':[{'containerID':0,'hostID':1,"
                                                 "'size':1}]}}",
    "config.json: linux.uidMappings: a new user namespace needs uid mappings" },
  { "{" BASE ",'linux':{" NS ("{'type':'user'}") ",'uidMappings':[{'containerID':0,'hostID':1,"
                                                 "'size':1}]}}",
    "config.json: linux.gidMappings: a new user namespace needs gid mappings" },
  { "{" BASE ",'hostname':'box'}", "config.json: hostname: requires a UTS namespace" },
  { "{" BASE ",'domainname':'example.org','linux':{" NS ("{'type':'pid'}") "}}",
    "config.json: domainname: requires a UTS namespace" },
  { "{" BASE ",'linux':{'timeOffsets':{'boottime':{'secs':1}}}}",
    "config.json: linux.timeOffsets: requires a new time namespace" },
  { "{" BASE ",'linux':{" NS (
        "{'type':'time','path':'/proc/1/ns/time'}") ",'timeOffsets':{'boottime':{'secs':1}}}}",
    "config.json: linux.timeOffsets: requires a new time namespace" },
  { "{" BASE
    ",'linux':{" NS ("{'type':'time'}") ",'timeOffsets':{'monotonic':{'nanosecs':1000000000}}}}",
    "config.json: linux.timeOffsets.monotonic.nanosecs: must be less than 1000000000" },
  { "{" BASE ",'linux':{'devices':[{'path':'dev/null','type':'c','major':1,'minor':3}]}}",
    "config.json: linux.devices[0].path: must be an absolute path" },
  { "{" BASE ",'linux':{'devices':[{'path':'/dev/null','type':'c','major':1,'minor':3},"
    "{'path':'/dev/x','type':'x','major':1,'minor':3}]}}",
    "config.json: linux.devices[1].type: unknown device type \"x\" (c, b, u or p)" },
  { "{" BASE ",'linux':{'sysctl':{'kernel.msgmax':'1','':'2'}}}",
    "config.json: linux.sysctl: key must not be empty" },
  { "{" BASE ",'linux':{'maskedPaths':['/proc/kcore','proc/keys']}}",
    "config.json: linux.maskedPaths[1]: must be an absolute path" },
  { "{" BASE ",'linux':{'readonlyPaths':['sys']}}",
    "config.json: linux.readonlyPaths[0]: must be an absolute path" },
  { "{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','listenerMetadata':'m'}}}",
    "config.json: linux.seccomp.listenerMetadata: requires listenerPath" },
  { "{" BASE ",'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':[],"
    "'action':'SCMP_ACT_ERRNO'}]}}}",
    "config.json: linux.seccomp.syscalls[0].names: must not be empty" },
  { "{" BASE ",'linux':{'netDevices':{'eth1':{}}}}",
    "config.json: linux.netDevices: requires a network namespace" },
};

START_TEST (each_rule)
{
  const struct error_case *c = &invalid_cases[_i];
  cleanup_err husk_err_t *err = NULL;
  ck_assert_int_eq (validate (c->json, &err), -1);
  ck_assert_ptr_nonnull (err);
  ck_assert_str_eq (err->msg, c->message);
  ck_assert_int_eq (err->errnum, 0);
}
END_TEST

START_TEST (valid_configs)
{
  const char *fixtures[] = { "full.json", "runc-default.json" };
  for (size_t i = 0; i < ARRAY_SIZE (fixtures); i++)
    {
      cleanup_spec struct husk_spec *spec = parse_fixture (fixtures[i]);
      cleanup_err husk_err_t *err = NULL;
      int r = husk_spec_validate (spec, &err);
      ck_assert_msg (r == 0, "%s: %s", fixtures[i], err ? err->msg : "?");
    }
  expect_valid ("{" BASE "}");
  /* Environment entries without '=' pass through, as with runc. */
  expect_valid ("{" V "," PROC_WITH ("'env':['NOEQUALS','A=1']") "," ROOT "}");
  /* A joined user namespace brings its own mappings; listing them is fine too. */
  expect_valid ("{" BASE ",'linux':{" NS ("{'type':'user','path':'/proc/1/ns/user'}") "}}");
  expect_valid ("{" BASE ",'linux':{" NS (
      "{'type':'user','path':'/proc/1/ns/user'}") ",'uidMappings':[{'containerID':0,'hostID':1,'"
                                                  "size':1}],"
                                                  "'gidMappings':[{'containerID':0,'hostID':1,'"
                                                  "size':1}]}}");
  /* An empty hostname sets nothing, so needs no UTS namespace. */
  expect_valid ("{" BASE ",'hostname':''}");
  expect_valid ("{" BASE
                ",'hostname':'h','linux':{" NS ("{'type':'uts','path':'/proc/1/ns/uts'}") "}}");
  expect_valid ("{" BASE ",'linux':{'devices':[{'path':'/dev/fifo','type':'p'}],"
                "'rootfsPropagation':'rprivate'," NS (
                    "{'type':'time'}") ",'timeOffsets':{'boottime':{'nanosecs':999999999}}}}");
  expect_valid ("{" V "," PROC_WITH ("'rlimits':[{'type':'RLIMIT_NOFILE','hard':5,'soft':5}],"
                                     "'oomScoreAdj':-1000") "," ROOT "}");
}
END_TEST

/* The process rules serve exec's process.json too, under any prefix. */
START_TEST (process_prefixes)
{
  cleanup_free char *json = json_of ("{'cwd':'relative','args':['sh']}");
  cleanup_err husk_err_t *err = NULL;
  struct husk_process *p = NULL;
  ck_assert_int_eq (husk_process_parse (json, strlen (json), &p, &err), 0);

  ck_assert_int_eq (husk_process_validate (p, "", &err), -1);
  ck_assert_str_eq (err->msg, "cwd: must be an absolute path");
  husk_err_freep (&err);
  ck_assert_int_eq (husk_process_validate (p, "process", &err), -1);
  ck_assert_str_eq (err->msg, "process.cwd: must be an absolute path");
  husk_err_freep (&err);

  free (p->cwd);
  p->cwd = xstrdup ("/srv");
  ck_assert_int_eq (husk_process_validate (p, "process", &err), 0);
  ck_assert_ptr_null (err);
  husk_process_free (p);
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("validate");
  TCase *tc = tcase_create ("rules");
  tcase_add_loop_test (tc, each_rule, 0, ARRAY_SIZE (invalid_cases));
  tcase_add_test (tc, valid_configs);
  tcase_add_test (tc, process_prefixes);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}

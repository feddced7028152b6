/* linux.seccomp → libseccomp → classic BPF.  Pure translation: the tables
   below name every action, operator, architecture and flag husk knows, and
   both the translator and `husk features` read them.  Nothing here loads a
   filter; see seccomp_sys.c for that. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <seccomp.h>

#include "husk/log.h"
#include "husk/seccomp.h"
#include "husk/util.h"

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* libseccomp switches to a binary search tree above this many rules, as
   runc does: libseccomp <= 2.5.4 misbehaves with the tree and no rules. */
#define OPTIMIZE_TREE_ABOVE 32

#define SYSCALL_MAX_ARGS 6

struct action_def
{
  const char *name;
  uint32_t value;   /* for ERRNO and TRACE, the base: the data is errnoRet */
  bool takes_errno; /* errnoRet is allowed (and defaults to EPERM) */
};

static const struct action_def actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP, false },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0), true },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0), true },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG, false },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false },
};

struct operator_def
{
  const char *name;
  enum scmp_compare op;
};

static const struct operator_def operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE },
  { "SCMP_CMP_LT", SCMP_CMP_LT },
  { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ },
  { "SCMP_CMP_GE", SCMP_CMP_GE },
  { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

struct arch_def
{
  const char *name;
  uint32_t token;
};

/* The OCI names this libseccomp knows; newer ones appear with newer headers. */
static const struct arch_def archs[] = {
  { "SCMP_ARCH_X86", SCMP_ARCH_X86 },
  { "SCMP_ARCH_X86_64", SCMP_ARCH_X86_64 },
  { "SCMP_ARCH_X32", SCMP_ARCH_X32 },
  { "SCMP_ARCH_ARM", SCMP_ARCH_ARM },
  { "SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64 },
  { "SCMP_ARCH_MIPS", SCMP_ARCH_MIPS },
  { "SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64 },
  { "SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32 },
  { "SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL },
  { "SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64 },
  { "SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32 },
  { "SCMP_ARCH_PPC", SCMP_ARCH_PPC },
  { "SCMP_ARCH_PPC64", SCMP_ARCH_PPC64 },
  { "SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE },
  { "SCMP_ARCH_S390", SCMP_ARCH_S390 },
  { "SCMP_ARCH_S390X", SCMP_ARCH_S390X },
  { "SCMP_ARCH_PARISC", SCMP_ARCH_PARISC },
  { "SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64 },
  { "SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64 },
#ifdef SCMP_ARCH_LOONGARCH64
  { "SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64 },
#endif
#ifdef SCMP_ARCH_M68K
  { "SCMP_ARCH_M68K", SCMP_ARCH_M68K },
#endif
#ifdef SCMP_ARCH_SH
  { "SCMP_ARCH_SH", SCMP_ARCH_SH },
  { "SCMP_ARCH_SHEB", SCMP_ARCH_SHEB },
#endif
};

struct flag_def
{
  const char *name;
  uint32_t value;
};

static const struct flag_def flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

/* Every table starts with the name, so one lookup serves them all. */
static const void *
lookup (const void *table, size_t n, size_t stride, const char *name)
{
  for (size_t i = 0; name && i < n; i++)
    {
      const void *entry = (const char *)table + i * stride;
      if (strcmp (*(const char *const *)entry, name) == 0)
        return entry;
    }
  return NULL;
}

#define LOOKUP(table, name)                                                                        \
  ((const __typeof__ (table[0]) *)lookup (table, ARRAY_SIZE (table), sizeof (table[0]), name))

/* The names column of a table as a NULL-terminated vector, built once. */
static const char *const *
names_of (const void *table, size_t n, size_t stride, const char **out)
{
  if (out[0] == NULL)
    for (size_t i = 0; i < n; i++)
      out[i] = *(const char *const *)((const char *)table + i * stride);
  return out;
}

#define NAMES(table)                                                                               \
  ({                                                                                               \
    static const char *_names[ARRAY_SIZE (table) + 1];                                             \
    names_of (table, ARRAY_SIZE (table), sizeof (table[0]), _names);                               \
  })

const char *const *
husk_seccomp_actions (void)
{
  return NAMES (actions);
}

const char *const *
husk_seccomp_operators (void)
{
  return NAMES (operators);
}

const char *const *
husk_seccomp_archs (void)
{
  return NAMES (archs);
}

const char *const *
husk_seccomp_known_flags (void)
{
  return NAMES (flags);
}

int64_t
husk_seccomp_flag_value (const char *name)
{
  const struct flag_def *f = LOOKUP (flags, name);
  return f ? (int64_t)f->value : -1;
}

/* action + errnoRet → the libseccomp action value.  `where` names the JSON
   field of the action, `errno_where` that of its errnoRet. */
static int
resolve_action (const char *name, husk_opt_u32 errno_ret, const char *where,
                const char *errno_where, uint32_t *out, husk_err_t **err)
{
  const struct action_def *a = LOOKUP (actions, name);
  if (a == NULL)
    return husk_error (err, 0, "config.json: %s: unknown action `%s`", where, name ? name : "");
  if (!a->takes_errno)
    {
      if (errno_ret.set)
        return husk_error (err, 0, "config.json: %s: not allowed with action %s", errno_where,
                           a->name);
      *out = a->value;
      return 0;
    }
  uint32_t data = errno_ret.set ? errno_ret.value : EPERM;
  if (data > SECCOMP_RET_DATA)
    return husk_error (err, 0, "config.json: %s: %u out of range (0-%u)", errno_where, data,
                       SECCOMP_RET_DATA);
  *out = a->value | data;
  return 0;
}

static void
ctx_releasep (scmp_filter_ctx *ctx)
{
  if (*ctx)
    seccomp_release (*ctx);
  *ctx = NULL;
}

/* One entry of linux.seccomp.syscalls: every name gets the same action and
   conditions.  When two conditions test the same argument, libseccomp cannot
   AND them; runc then adds each condition as a rule of its own (so they OR),
   and husk does the same for compatibility. */
static int
add_syscall_rules (scmp_filter_ctx ctx, const struct husk_seccomp_syscall *call, size_t i,
                   uint32_t default_action, bool *notify, husk_err_t **err)
{
  char where[64], errno_where[64];
  snprintf (where, sizeof where, "linux.seccomp.syscalls[%zu].action", i);
  snprintf (errno_where, sizeof errno_where, "linux.seccomp.syscalls[%zu].errnoRet", i);
  uint32_t action;
  if (resolve_action (call->action, call->errno_ret, where, errno_where, &action, err) < 0)
    return -1;

  cleanup_free struct scmp_arg_cmp *cmps = xmalloc0 (call->n_args * sizeof *cmps);
  unsigned per_index[SYSCALL_MAX_ARGS] = { 0 };
  bool repeated_index = false;
  for (size_t j = 0; j < call->n_args; j++)
    {
      const struct husk_seccomp_arg *arg = &call->args[j];
      if (arg->index >= SYSCALL_MAX_ARGS)
        return husk_error (err, 0,
                           "config.json: linux.seccomp.syscalls[%zu].args[%zu].index: %u out of "
                           "range (0-%d)",
                           i, j, arg->index, SYSCALL_MAX_ARGS - 1);
      const struct operator_def *op = LOOKUP (operators, arg->op);
      if (op == NULL)
        return husk_error (err, 0,
                           "config.json: linux.seccomp.syscalls[%zu].args[%zu].op: unknown "
                           "operator `%s`",
                           i, j, arg->op ? arg->op : "");
      /* For SCMP_CMP_MASKED_EQ, value is the mask and valueTwo the result. */
      cmps[j] = (struct scmp_arg_cmp){
        .arg = arg->index, .op = op->op, .datum_a = arg->value, .datum_b = arg->value_two
      };
      if (++per_index[arg->index] > 1)
        repeated_index = true;
    }
  for (size_t k = 0; k < call->n_names; k++)
    if (call->names[k] == NULL || call->names[k][0] == '\0')
      return husk_error (err, 0, "config.json: linux.seccomp.syscalls[%zu].names[%zu]: empty name",
                         i, k);

  if (action == SCMP_ACT_NOTIFY)
    {
      /* The child reports the listener fd to the parent with write(2) after
         loading the filter: notifying write would deadlock it, as in runc. */
      for (size_t k = 0; k < call->n_names; k++)
        if (strcmp (call->names[k], "write") == 0)
          return husk_error (err, 0,
                             "config.json: linux.seccomp.syscalls[%zu]: SCMP_ACT_NOTIFY cannot be "
                             "used for the write syscall",
                             i);
      *notify = true;
    }
  /* libseccomp refuses a rule that repeats the default; it changes nothing. */
  if (action == default_action)
    return 0;

  for (size_t k = 0; k < call->n_names; k++)
    {
      const char *name = call->names[k];
      int nr = seccomp_syscall_resolve_name (name);
      if (nr == __NR_SCMP_ERROR)
        {
          husk_log_debug ("seccomp: unknown syscall `%s` ignored", name);
          continue;
        }
      int r = 0;
      if (!repeated_index)
        r = seccomp_rule_add_array (ctx, action, nr, call->n_args, cmps);
      else
        for (size_t j = 0; j < call->n_args && r == 0; j++)
          r = seccomp_rule_add_array (ctx, action, nr, 1, &cmps[j]);
      if (r < 0)
        return husk_error (err, -r, "config.json: linux.seccomp.syscalls[%zu]: add rule for `%s`",
                           i, name);
    }
  return 0;
}

/* libseccomp 2.5 exports only to an fd: go through a memfd. */
static int
export_program (scmp_filter_ctx ctx, struct husk_seccomp_prog *prog, husk_err_t **err)
{
  cleanup_close int fd = memfd_create ("husk-seccomp-bpf", MFD_CLOEXEC);
  if (fd < 0)
    return husk_error (err, errno, "seccomp: memfd_create");
  int r = seccomp_export_bpf (ctx, fd);
  if (r < 0)
    return husk_error (err, -r, "seccomp: export the BPF program");
  struct stat st;
  if (fstat (fd, &st) < 0)
    return husk_error (err, errno, "seccomp: fstat the exported program");
  size_t size = st.st_size;
  if (size == 0 || size % sizeof (struct sock_filter) != 0)
    return husk_error (err, EINVAL, "seccomp: exported program has a bad size (%zu bytes)", size);
  if (size / sizeof (struct sock_filter) > BPF_MAXINSNS)
    return husk_error (err, E2BIG, "seccomp: the profile compiles to %zu instructions (limit %d)",
                       size / sizeof (struct sock_filter), BPF_MAXINSNS);
  cleanup_free struct sock_filter *filter = xmalloc0 (size);
  for (size_t done = 0; done < size;)
    {
      ssize_t n = pread (fd, (char *)filter + done, size - done, done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return husk_error (err, n < 0 ? errno : EIO, "seccomp: read the exported program");
      done += n;
    }
  prog->filter = steal_pointer (&filter);
  prog->len = size / sizeof (struct sock_filter);
  return 0;
}

static int
collect_flags (const struct husk_seccomp *sc, uint32_t *out, husk_err_t **err)
{
  *out = 0;
  for (size_t i = 0; i < sc->n_flags; i++)
    {
      const struct flag_def *f = LOOKUP (flags, sc->flags[i]);
      if (f == NULL)
        return husk_error (err, 0, "config.json: linux.seccomp.flags[%zu]: unknown flag `%s`", i,
                           sc->flags[i] ? sc->flags[i] : "");
      *out |= f->value;
    }
  return 0;
}

static int
add_architectures (scmp_filter_ctx ctx, const struct husk_seccomp *sc, husk_err_t **err)
{
  for (size_t i = 0; i < sc->n_architectures; i++)
    {
      const struct arch_def *a = LOOKUP (archs, sc->architectures[i]);
      if (a == NULL)
        return husk_error (err, 0,
                           "config.json: linux.seccomp.architectures[%zu]: unknown architecture "
                           "`%s`",
                           i, sc->architectures[i] ? sc->architectures[i] : "");
      int r = seccomp_arch_add (ctx, a->token);
      /* One filter serves one byte order: libseccomp refuses to mix them. */
      if (r == -EDOM)
        return husk_error (err, 0,
                           "config.json: linux.seccomp.architectures[%zu]: `%s` cannot share a "
                           "filter with the native architecture (byte order differs)",
                           i, a->name);
      if (r < 0 && r != -EEXIST)
        return husk_error (err, -r, "config.json: linux.seccomp.architectures[%zu]: add `%s`", i,
                           a->name);
    }
  return 0;
}

int
husk_seccomp_build (const struct husk_seccomp *sc, struct husk_seccomp_prog **out, husk_err_t **err)
{
  *out = NULL;
  /* Nothing asked for: no filter, as runc. */
  if ((sc->default_action == NULL || sc->default_action[0] == '\0') && sc->n_syscalls == 0)
    return 0;

  uint32_t default_action;
  if (resolve_action (sc->default_action, sc->default_errno_ret, "linux.seccomp.defaultAction",
                      "linux.seccomp.defaultErrnoRet", &default_action, err)
      < 0)
    return -1;
  if (default_action == SCMP_ACT_NOTIFY)
    return husk_error (err, 0,
                       "config.json: linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the "
                       "default action");
  cleanup_seccomp_prog struct husk_seccomp_prog *prog = xmalloc0 (sizeof *prog);
  if (collect_flags (sc, &prog->flags, err) < 0)
    return -1;

  __attribute__ ((cleanup (ctx_releasep))) scmp_filter_ctx ctx = seccomp_init (default_action);
  if (ctx == NULL)
    return husk_error (err, EINVAL, "seccomp: seccomp_init");
  /* husk loads the program itself and sets no_new_privs from the config. */
  int r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0);
  if (r < 0)
    return husk_error (err, -r, "seccomp: clear the no_new_privs attribute");
  if (sc->n_syscalls > OPTIMIZE_TREE_ABOVE
      && (r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0)
    husk_log_debug ("seccomp: binary tree optimization unavailable: %s", strerror (-r));
  if (add_architectures (ctx, sc, err) < 0)
    return -1;
  for (size_t i = 0; i < sc->n_syscalls; i++)
    if (add_syscall_rules (ctx, &sc->syscalls[i], i, default_action, &prog->notify, err) < 0)
      return -1;
  if (export_program (ctx, prog, err) < 0)
    return -1;

  /* WAIT_KILLABLE_RECV concerns the listener only; the kernel refuses it
     without one. */
  if (!prog->notify && (prog->flags & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV))
    {
      husk_log_debug (
          "seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ignored: no SCMP_ACT_NOTIFY");
      prog->flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    }
  *out = steal_pointer (&prog);
  return 0;
}

void
husk_seccomp_prog_free (struct husk_seccomp_prog *p)
{
  if (p == NULL)
    return;
  free (p->filter);
  free (p);
}

void
husk_seccomp_prog_freep (struct husk_seccomp_prog **p)
{
  husk_seccomp_prog_free (*p);
  *p = NULL;
}

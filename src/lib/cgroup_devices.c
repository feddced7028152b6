/* The device filter, pure part: linux.resources.devices (+ runc's defaults
   and linux.devices) -> explicit rules -> a BPF_PROG_TYPE_CGROUP_DEVICE
   program.  cgroup_bpf.c loads and attaches it. */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "husk/cgroup.h"
#include "husk/util.h"

#define ACC_ALL (HUSK_DEV_ACC_MKNOD | HUSK_DEV_ACC_READ | HUSK_DEV_ACC_WRITE)

/* What runc always allows after the config's rules (its AllowedDevices):
   the devices every container gets, and mknod of anything (creating a node
   grants nothing: opening it is checked again). */
static const struct husk_device_rule default_rules[] = {
  { true, 'c', -1, -1, HUSK_DEV_ACC_MKNOD },
  { true, 'b', -1, -1, HUSK_DEV_ACC_MKNOD },
  { true, 'c', 1, 3, ACC_ALL },    /* /dev/null */
  { true, 'c', 1, 8, ACC_ALL },    /* /dev/random */
  { true, 'c', 1, 7, ACC_ALL },    /* /dev/full */
  { true, 'c', 5, 0, ACC_ALL },    /* /dev/tty */
  { true, 'c', 1, 5, ACC_ALL },    /* /dev/zero */
  { true, 'c', 1, 9, ACC_ALL },    /* /dev/urandom */
  { true, 'c', 136, -1, ACC_ALL }, /* /dev/pts/N */
  { true, 'c', 5, 2, ACC_ALL },    /* /dev/ptmx */
  { true, 'c', 10, 200, ACC_ALL }, /* /dev/net/tun */
};

static int
parse_access (const char *field, const char *s, unsigned *out, husk_err_t **err)
{
  *out = 0;
  if (s == NULL || *s == '\0')
    {
      *out = ACC_ALL; /* absent: every access, as crun reads it */
      return 0;
    }
  for (; *s; s++)
    switch (*s)
      {
      case 'r':
        *out |= HUSK_DEV_ACC_READ;
        break;
      case 'w':
        *out |= HUSK_DEV_ACC_WRITE;
        break;
      case 'm':
        *out |= HUSK_DEV_ACC_MKNOD;
        break;
      default:
        return husk_error (err, 0, "%s.access: `%c` is not one of r, w, m", field, *s);
      }
  return 0;
}

/* Unset and -1 are both "any". */
static int
parse_num (const char *field, const char *name, husk_opt_i64 v, int64_t *out, husk_err_t **err)
{
  if (!v.set || v.value == -1)
    *out = -1;
  else if (v.value < 0 || v.value > INT32_MAX)
    return husk_error (err, 0, "%s.%s: invalid value %" PRId64, field, name, v.value);
  else
    *out = v.value;
  return 0;
}

static int
rule_from_spec (size_t i, const struct husk_device_cgroup_rule *r, struct husk_device_rule *out,
                husk_err_t **err)
{
  cleanup_free char *field = xasprintf ("linux.resources.devices[%zu]", i);
  const char *t = r->type ? r->type : "a";
  if (strcmp (t, "a") != 0 && strcmp (t, "c") != 0 && strcmp (t, "b") != 0)
    return husk_error (err, 0, "%s.type: `%s` is not one of a, c, b", field, t);
  out->allow = r->allow;
  out->type = t[0];
  if (parse_num (field, "major", r->major, &out->major, err) < 0
      || parse_num (field, "minor", r->minor, &out->minor, err) < 0
      || parse_access (field, r->access, &out->access, err) < 0)
    return -1;
  return 0;
}

int
husk_cgroup_device_rules (const struct husk_resources *res, const struct husk_device *devices,
                          size_t n_devices, struct husk_device_rule **out, size_t *n_out,
                          husk_err_t **err)
{
  size_t n_spec = res ? res->n_devices : 0;
  size_t cap = n_spec + ARRAY_SIZE (default_rules) + n_devices, n = 0;
  cleanup_free struct husk_device_rule *rules = xmalloc0 (cap * sizeof *rules);
  for (size_t i = 0; i < n_spec; i++)
    if (rule_from_spec (i, &res->devices[i], &rules[n++], err) < 0)
      return -1;
  for (size_t i = 0; i < ARRAY_SIZE (default_rules); i++)
    rules[n++] = default_rules[i];
  for (size_t i = 0; i < n_devices; i++)
    {
      const struct husk_device *d = &devices[i];
      const char *t = d->type ? d->type : "";
      if (strcmp (t, "p") == 0)
        continue; /* a FIFO is no device to the cgroup */
      if (strcmp (t, "c") != 0 && strcmp (t, "u") != 0 && strcmp (t, "b") != 0)
        return husk_error (err, 0, "linux.devices[%zu].type: `%s` is not one of c, u, b, p", i, t);
      if (d->major < 0 || d->minor < 0 || d->major > INT32_MAX || d->minor > INT32_MAX)
        return husk_error (err, 0, "linux.devices[%zu]: invalid device %" PRId64 ":%" PRId64, i,
                           d->major, d->minor);
      rules[n++]
          = (struct husk_device_rule){ true, t[0] == 'b' ? 'b' : 'c', d->major, d->minor, ACC_ALL };
    }
  *out = steal_pointer (&rules);
  *n_out = n;
  return 0;
}

/* ---- code generation ---- */

struct emitter
{
  struct bpf_insn *v;
  size_t n, cap;
};

static void
emit (struct emitter *e, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
  if (e->n == e->cap)
    {
      e->cap = e->cap ? e->cap * 2 : 64;
      e->v = xrealloc (e->v, e->cap * sizeof *e->v);
    }
  e->v[e->n++]
      = (struct bpf_insn){ .code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm };
}

/* Registers: r1 = struct bpf_cgroup_dev_ctx *, r3 = access bits still
   undecided, r0 = scratch / verdict; r2, r4, r5 = type, major, minor, loaded
   afresh by each rule that tests them.  The reloads cost a few loads per
   rule when the program runs but make those registers dead between rules,
   so the verifier recognises a rule's entry as seen before and prunes: it
   checks the default program in about two thirds of the time, and long
   rule lists in half or less. */
enum
{
  R0,
  R1,
  R2,
  R3,
  R4,
  R5
};

#define LDX_W   (BPF_LDX | BPF_MEM | BPF_W)
#define MOV32_K (BPF_ALU | BPF_MOV | BPF_K)
#define MOV32_X (BPF_ALU | BPF_MOV | BPF_X)
#define AND32_K (BPF_ALU | BPF_AND | BPF_K)
#define RSH32_K (BPF_ALU | BPF_RSH | BPF_K)
#define JNE_K   (BPF_JMP | BPF_JNE | BPF_K)
#define JEQ_K   (BPF_JMP | BPF_JEQ | BPF_K)
#define EXIT    (BPF_JMP | BPF_EXIT)

/* The context: access_type = (access << 16) | type, then major, minor. */
#define CTX_ACCESS_TYPE 0
#define CTX_MAJOR       4
#define CTX_MINOR       8

/* How many instructions rule r compiles to: the jumps need it up front. */
static size_t
rule_len (const struct husk_device_rule *r)
{
  size_t n = 3 + 2;          /* access test (3) + verdict (2) */
  n += (r->type != 'a') * 3; /* load, mask, compare */
  n += (r->major != -1) * 2; /* load, compare */
  n += (r->minor != -1) * 2; /* load, compare */
  n += r->allow ? 2 : 0;     /* clear the decided bits, stop when none is left */
  return n;
}

int
husk_cgroup_device_prog (const struct husk_device_rule *rules, size_t n, struct husk_bpf_prog *out,
                         husk_err_t **err)
{
  struct emitter e = { 0 };
  emit (&e, LDX_W, R3, R1, CTX_ACCESS_TYPE, 0);
  emit (&e, RSH32_K, R3, 0, 0, 16);
  /* Last match wins, per access bit: walk the rules backwards; a rule
     decides the bits it covers that no later rule decided. */
  for (size_t k = n; k-- > 0;)
    {
      const struct husk_device_rule *r = &rules[k];
      if ((r->type != 'a' && r->type != 'c' && r->type != 'b') || (r->access & ~ACC_ALL) != 0
          || r->major < -1 || r->minor < -1 || r->major > INT32_MAX || r->minor > INT32_MAX)
        {
          free (e.v);
          return husk_error (err, EINVAL, "device rule %zu is malformed", k);
        }
      size_t end = e.n + rule_len (r); /* index of the next rule's first insn */
#define SKIP ((int16_t)(end - e.n - 1))
      if (r->type != 'a')
        {
          emit (&e, LDX_W, R2, R1, CTX_ACCESS_TYPE, 0);
          emit (&e, AND32_K, R2, 0, 0, 0xffff);
          emit (&e, JNE_K, R2, 0, SKIP, r->type == 'b' ? HUSK_DEV_BLOCK : HUSK_DEV_CHAR);
        }
      if (r->major != -1)
        {
          emit (&e, LDX_W, R4, R1, CTX_MAJOR, 0);
          emit (&e, JNE_K, R4, 0, SKIP, (int32_t)r->major);
        }
      if (r->minor != -1)
        {
          emit (&e, LDX_W, R5, R1, CTX_MINOR, 0);
          emit (&e, JNE_K, R5, 0, SKIP, (int32_t)r->minor);
        }
      emit (&e, MOV32_X, R0, R3, 0, 0);
      emit (&e, AND32_K, R0, 0, 0, (int32_t)r->access);
      emit (&e, JEQ_K, R0, 0, SKIP, 0);
      if (r->allow)
        {
          emit (&e, AND32_K, R3, 0, 0, (int32_t)(~r->access & ACC_ALL));
          emit (&e, JNE_K, R3, 0, SKIP, 0);
        }
      emit (&e, MOV32_K, R0, 0, 0, r->allow ? 1 : 0);
      emit (&e, EXIT, 0, 0, 0, 0);
#undef SKIP
      assert (e.n == end);
    }
  /* Bits no rule decided: denied. */
  emit (&e, MOV32_K, R0, 0, 0, 0);
  emit (&e, EXIT, 0, 0, 0, 0);
  out->insns = e.v;
  out->n = e.n;
  return 0;
}

void
husk_bpf_prog_free (struct husk_bpf_prog *p)
{
  if (p == NULL)
    return;
  free (p->insns);
  p->insns = NULL;
  p->n = 0;
}

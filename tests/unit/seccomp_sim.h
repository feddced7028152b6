/* A classic-BPF interpreter for seccomp programs, so tests can ask what a
   compiled filter returns for a given syscall without loading it.  Follows
   the kernel's rules: 32-bit A and X, 16 scratch words, loads only from
   struct seccomp_data.  An instruction it does not know fails the test
   (sim_error is set) rather than guessing. */
#ifndef HUSK_SECCOMP_SIM_H
#define HUSK_SECCOMP_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

static const char *sim_error;

static uint32_t
sim_run (const struct sock_filter *prog, size_t len, const struct seccomp_data *data)
{
  uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 };
  sim_error = NULL;
  for (size_t pc = 0; pc < len; pc++)
    {
      const struct sock_filter *f = &prog[pc];
      uint32_t k = f->k;
      uint32_t src = BPF_SRC (f->code) == BPF_X ? X : k;
      switch (BPF_CLASS (f->code))
        {
        case BPF_LD:
        case BPF_LDX:
          {
            uint32_t v;
            switch (BPF_MODE (f->code))
              {
              case BPF_ABS:
                if (BPF_SIZE (f->code) != BPF_W || k % 4 != 0 || k + 4 > sizeof *data)
                  return sim_error = "bad load", 0;
                memcpy (&v, (const char *)data + k, 4);
                break;
              case BPF_IMM:
                v = k;
                break;
              case BPF_MEM:
                if (k >= BPF_MEMWORDS)
                  return sim_error = "bad scratch index", 0;
                v = M[k];
                break;
              case BPF_LEN:
                v = sizeof *data;
                break;
              default:
                return sim_error = "unknown load mode", 0;
              }
            if (BPF_CLASS (f->code) == BPF_LD)
              A = v;
            else
              X = v;
            break;
          }
        case BPF_ST:
        case BPF_STX:
          if (k >= BPF_MEMWORDS)
            return sim_error = "bad scratch index", 0;
          M[k] = BPF_CLASS (f->code) == BPF_ST ? A : X;
          break;
        case BPF_ALU:
          switch (BPF_OP (f->code))
            {
            case BPF_ADD:
              A += src;
              break;
            case BPF_SUB:
              A -= src;
              break;
            case BPF_MUL:
              A *= src;
              break;
            case BPF_DIV:
              if (src == 0)
                return 0;
              A /= src;
              break;
            case BPF_MOD:
              if (src == 0)
                return 0;
              A %= src;
              break;
            case BPF_AND:
              A &= src;
              break;
            case BPF_OR:
              A |= src;
              break;
            case BPF_XOR:
              A ^= src;
              break;
            case BPF_LSH:
              A = src < 32 ? A << src : 0;
              break;
            case BPF_RSH:
              A = src < 32 ? A >> src : 0;
              break;
            case BPF_NEG:
              A = -A;
              break;
            default:
              return sim_error = "unknown alu op", 0;
            }
          break;
        case BPF_JMP:
          {
            bool taken;
            switch (BPF_OP (f->code))
              {
              case BPF_JA:
                pc += k;
                continue;
              case BPF_JEQ:
                taken = A == src;
                break;
              case BPF_JGT:
                taken = A > src;
                break;
              case BPF_JGE:
                taken = A >= src;
                break;
              case BPF_JSET:
                taken = (A & src) != 0;
                break;
              default:
                return sim_error = "unknown jump", 0;
              }
            pc += taken ? f->jt : f->jf;
            break;
          }
        case BPF_RET:
          return BPF_RVAL (f->code) == BPF_A ? A : k;
        case BPF_MISC:
          if (BPF_MISCOP (f->code) == BPF_TAX)
            X = A;
          else
            A = X;
          break;
        default:
          return sim_error = "unknown class", 0;
        }
    }
  sim_error = "fell off the end";
  return 0;
}

#endif

/* husk-dmz: the exec trampoline between husk and the container's program
   (see include/husk/exe.h).  husk execs this from a sealed memfd as its last
   step, so that when the program's own execve runs, /proc/self/exe is the
   sealed trampoline, never the husk binary on the host (CVE-2019-5736).

     argv[0]   the program's path, resolved by husk in the container
     argv[1]   the sync socket to report a failed execve on, or "-"
     argv[2..] process.args, handed over unchanged

   It does exactly: mark the sync socket close-on-exec, execve(argv[0],
   argv + 2, envp); on failure send husk's SYNC_ERROR record (the runtime
   prints it as `exec `path`: <error>`) or, when nobody listens any more
   (create, then start), print that line on stderr; exit 127.

   No libc: a freestanding static executable of a few hundred bytes, built
   with -nostdlib (src/dmz/dmz.cmake) and embedded into husk.  The headers
   give constants and types only. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <asm/unistd.h>
#include <sys/socket.h>

#include "husk/sync.h"

#if defined(__x86_64__)
static long
sys6 (long nr, long a, long b, long c, long d, long e, long f)
{
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}

/* The kernel's initial stack: argc, argv..., NULL, envp..., NULL. */
__asm__(".text\n"
        ".global _start\n"
        "_start:\n"
        "  xor %ebp, %ebp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call dmz_main\n"
        "  hlt\n");
#else
#error "husk-dmz: no syscall glue for this architecture (configure with -DHUSK_DMZ=OFF)"
#endif

#define sys3(nr, a, b, c) sys6 (nr, (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* -ffreestanding still lets the compiler call these for aggregates. */
void *
memset (void *d, int c, size_t n)
{
  unsigned char *p = d;
  while (n--)
    *p++ = (unsigned char)c;
  return d;
}

void *
memcpy (void *d, const void *s, size_t n)
{
  unsigned char *p = d;
  const unsigned char *q = s;
  while (n--)
    *p++ = *q++;
  return d;
}

struct out
{
  char *buf;
  size_t len, cap;
};

static void
put (struct out *o, const char *s)
{
  while (*s && o->len < o->cap - 1)
    o->buf[o->len++] = *s++;
  o->buf[o->len] = '\0';
}

static void
put_num (struct out *o, unsigned long v)
{
  char digits[24];
  int i = sizeof digits - 1;
  digits[i] = '\0';
  do
    digits[--i] = (char)('0' + v % 10);
  while ((v /= 10) && i > 0);
  put (o, digits + i);
}

/* The few errors an execve of a file husk already found executable can
   still end in; others print their number. */
static const struct
{
  int num;
  const char *text;
} errors[] = {
  { ENOEXEC, "Exec format error" },
  { ENOENT, "No such file or directory" },
  { EACCES, "Permission denied" },
  { EPERM, "Operation not permitted" },
  { E2BIG, "Argument list too long" },
  { ENOMEM, "Cannot allocate memory" },
  { ETXTBSY, "Text file busy" },
  { ELOOP, "Too many levels of symbolic links" },
  { ELIBBAD, "Accessing a corrupted shared library" },
};

static void
put_error (struct out *o, int num)
{
  for (size_t i = 0; i < sizeof errors / sizeof errors[0]; i++)
    if (errors[i].num == num)
      {
        put (o, errors[i].text);
        return;
      }
  put (o, "errno ");
  put_num (o, (unsigned long)num);
}

/* "-" or a decimal fd; anything else (a hand-made argv) is no fd. */
static int
parse_fd (const char *s)
{
  long v = 0;
  if (*s < '0' || *s > '9')
    return -1;
  for (; *s; s++)
    {
      if (*s < '0' || *s > '9' || v > 1000000)
        return -1;
      v = v * 10 + (*s - '0');
    }
  return (int)v;
}

static void
report (int sock, const char *path, int num)
{
  struct husk_sync_msg msg;
  msg.type = SYNC_ERROR;
  msg.errnum = num;
  struct out o = { msg.text, 0, sizeof msg.text };
  put (&o, "exec `");
  put (&o, path);
  put (&o, "`");
  if (sock >= 0
      && sys6 (__NR_sendto, sock, (long)&msg,
               (long)(offsetof (struct husk_sync_msg, text) + o.len + 1), MSG_NOSIGNAL, 0, 0)
             >= 0)
    return;
  /* nobody waits on the socket (create has exited): tell the container's stderr */
  char line[sizeof msg.text + 64];
  struct out l = { line, 0, sizeof line };
  put (&l, "husk: ");
  put (&l, msg.text);
  put (&l, ": ");
  put_error (&l, num);
  put (&l, "\n");
  sys3 (__NR_write, 2, line, l.len);
}

__attribute__ ((noreturn, used)) void
dmz_main (long *sp)
{
  long argc = sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  if (argc < 3)
    {
      static const char usage[] = "husk-dmz: not meant to be run by hand\n";
      sys3 (__NR_write, 2, usage, sizeof usage - 1);
      sys3 (__NR_exit_group, 127, 0, 0);
    }
  int sock = parse_fd (argv[1]);
  /* the program must not inherit the sync socket: if it cannot be marked,
     it is closed, and if it cannot be closed either, nothing runs */
  if (sock >= 0 && sys3 (__NR_fcntl, sock, F_SETFD, FD_CLOEXEC) < 0)
    {
      if (sys3 (__NR_close, sock, 0, 0) < 0)
        sys3 (__NR_exit_group, 127, 0, 0);
      sock = -1;
    }
  long r = sys3 (__NR_execve, argv[0], argv + 2, envp);
  report (sock, argv[0], (int)-r);
  sys3 (__NR_exit_group, 127, 0, 0);
  __builtin_unreachable ();
}

/* The seccomp syscalls: loading a compiled program, probing what the kernel
   accepts, and handing a notify listener to a seccomp agent.  What to load
   is decided in seccomp.c and seccomp_cache.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/seccomp.h>
#include <yajl/yajl_gen.h>

#include "husk/seccomp.h"
#include "husk/sync.h"
#include "husk/util.h"

#ifndef SECCOMP_FILTER_FLAG_TSYNC_ESRCH
#define SECCOMP_FILTER_FLAG_TSYNC_ESRCH (1UL << 4)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

static long
sys_seccomp (unsigned int op, unsigned int flags, void *args)
{
  return syscall (SYS_seccomp, op, flags, args);
}

int
husk_seccomp_load (const struct husk_seccomp_prog *prog, int *listener_fd, husk_err_t **err)
{
  *listener_fd = -1;
  struct sock_fprog fprog = { .len = (unsigned short)prog->len, .filter = prog->filter };
  unsigned int flags = prog->flags;
  if (prog->notify)
    {
      flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
      /* The kernel takes TSYNC with a listener only when told to report a
         thread that cannot sync as ESRCH. */
      if (flags & SECCOMP_FILTER_FLAG_TSYNC)
        flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
    }
  long r = sys_seccomp (SECCOMP_SET_MODE_FILTER, flags, &fprog);
  if (r < 0)
    return husk_error (err, errno, "seccomp: load the filter (%zu instructions, flags %#x)",
                       prog->len, flags);
  if (prog->notify)
    *listener_fd = (int)r;
  return 0;
}

/* A flag is supported when the kernel gets past flag validation to reading
   the (NULL) program: EFAULT, with nothing installed. */
static bool
kernel_accepts_flag (uint32_t flag)
{
  /* WAIT_KILLABLE_RECV is valid only together with a listener. */
  if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return sys_seccomp (SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

const char *const *
husk_seccomp_supported_flags (void)
{
  static const char *supported[16];
  static bool probed;
  if (!probed)
    {
      size_t n = 0;
      for (const char *const *k = husk_seccomp_known_flags (); *k && n + 1 < ARRAY_SIZE (supported);
           k++)
        if (kernel_accepts_flag ((uint32_t)husk_seccomp_flag_value (*k)))
          supported[n++] = *k;
      probed = true;
    }
  return supported;
}

/* {"ociVersion","fds":["seccompFd"],"pid","metadata","state"}: the
   runtime-spec's ContainerProcessState.  state_json is already JSON and is
   spliced in as is; the strings go through yajl for escaping. */
static char *
process_state_json (pid_t pid, const char *state_json, const char *metadata)
{
  yajl_gen g = yajl_gen_alloc (NULL);
  if (g == NULL)
    abort ();
  yajl_gen_map_open (g);
#define STR(s) yajl_gen_string (g, (const unsigned char *)(s), strlen (s))
  STR ("ociVersion");
  STR (HUSK_SPEC_VERSION);
  STR ("fds");
  yajl_gen_array_open (g);
  STR ("seccompFd");
  yajl_gen_array_close (g);
  STR ("pid");
  yajl_gen_integer (g, pid);
  if (metadata && metadata[0])
    {
      STR ("metadata");
      STR (metadata);
    }
#undef STR
  yajl_gen_map_close (g);
  const unsigned char *head;
  size_t len;
  yajl_gen_get_buf (g, &head, &len);
  /* head ends with '}': reopen it to add "state". */
  char *json = xasprintf ("%.*s,\"state\":%s}", (int)len - 1, (const char *)head,
                          state_json && state_json[0] ? state_json : "{}");
  yajl_gen_free (g);
  return json;
}

int
husk_seccomp_send_listener (const char *listener_path, int listener_fd, pid_t pid,
                            const char *state_json, const char *metadata, husk_err_t **err)
{
  if (listener_path == NULL || listener_path[0] == '\0')
    return husk_error (err, EINVAL, "seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath");
  cleanup_close int sock = husk_unix_connect (listener_path, "the seccomp agent", err);
  if (sock < 0)
    return husk_error_prefix (err, "seccomp");

  cleanup_free char *json = process_state_json (pid, state_json, metadata);
  struct iovec iov;
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control = { 0 };
  struct msghdr msg = { .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  struct cmsghdr *cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &listener_fd, sizeof (int));
  /* The fd goes with the first bytes; a short send continues without it. */
  size_t total = strlen (json);
  for (size_t done = 0; done < total;)
    {
      iov = (struct iovec){ .iov_base = json + done, .iov_len = total - done };
      ssize_t r = sendmsg (sock, &msg, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return husk_error (err, errno, "seccomp: send the listener fd to `%s`", listener_path);
      done += r;
      msg.msg_control = NULL;
      msg.msg_controllen = 0;
    }
  return 0;
}

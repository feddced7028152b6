/* linux.netDevices over rtnetlink: see include/husk/netdev.h. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "husk/netdev.h"
#include "husk/util.h"

static const char *
new_name (const struct husk_net_device *d)
{
  return d->name && *d->name ? d->name : d->host_name;
}

static bool
valid_ifname (const char *name)
{
  size_t n = strlen (name);
  if (n == 0 || n >= IFNAMSIZ || strcmp (name, ".") == 0 || strcmp (name, "..") == 0)
    return false;
  for (const char *p = name; *p; p++)
    if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
      return false;
  return true;
}

int
husk_netdev_check (const struct husk_linux *lx, husk_err_t **err)
{
  for (size_t i = 0; lx && i < lx->n_net_devices; i++)
    {
      const struct husk_net_device *d = &lx->net_devices[i];
      if (!valid_ifname (d->host_name) || if_nametoindex (d->host_name) == 0)
        return husk_error (err, 0,
                           "config.json: linux.netDevices: \"%s\": no such interface on the host",
                           d->host_name);
      if (!valid_ifname (new_name (d)))
        return husk_error (err, 0,
                           "config.json: linux.netDevices.%s.name: \"%s\" is not a valid "
                           "interface name",
                           d->host_name, new_name (d));
      for (size_t j = 0; j < i; j++)
        if (strcmp (new_name (&lx->net_devices[j]), new_name (d)) == 0)
          return husk_error (err, 0, "config.json: linux.netDevices: two devices named \"%s\"",
                             new_name (d));
    }
  return 0;
}

/* ---- a small rtnetlink client ---- */

struct nl_msg
{
  struct nlmsghdr nh;
  char payload[1024];
};

static void
nl_put (struct nl_msg *m, const void *data, size_t len)
{
  memcpy ((char *)&m->nh + NLMSG_ALIGN (m->nh.nlmsg_len), data, len);
  m->nh.nlmsg_len = NLMSG_ALIGN (m->nh.nlmsg_len) + len;
}

static void
nl_attr (struct nl_msg *m, unsigned short type, const void *data, size_t len)
{
  struct rtattr rta = { .rta_len = RTA_LENGTH (len), .rta_type = type };
  nl_put (m, &rta, sizeof rta);
  m->nh.nlmsg_len = NLMSG_ALIGN (m->nh.nlmsg_len);
  nl_put (m, data, len);
}

static void
nl_init (struct nl_msg *m, unsigned short type, unsigned short flags)
{
  memset (m, 0, sizeof *m);
  m->nh.nlmsg_len = NLMSG_LENGTH (0);
  m->nh.nlmsg_type = type;
  m->nh.nlmsg_flags = NLM_F_REQUEST | flags;
}

static int
nl_socket (husk_err_t **err)
{
  int s = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (s < 0)
    return husk_error (err, errno, "netlink socket");
  return s;
}

/* Send a request and wait for its acknowledgement. */
static int
nl_talk (int sock, struct nl_msg *m, const char *what, husk_err_t **err)
{
  static unsigned seq;
  m->nh.nlmsg_flags |= NLM_F_ACK;
  m->nh.nlmsg_seq = ++seq;
  if (send (sock, m, m->nh.nlmsg_len, 0) < 0)
    return husk_error (err, errno, "%s: netlink send", what);
  char buf[8192] __attribute__ ((aligned (NLMSG_ALIGNTO)));
  for (;;)
    {
      ssize_t n = recv (sock, buf, sizeof buf, 0);
      if (n < 0)
        return husk_error (err, errno, "%s: netlink receive", what);
      for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK (h, (size_t)n);
           h = NLMSG_NEXT (h, n))
        if (h->nlmsg_seq == seq && h->nlmsg_type == NLMSG_ERROR)
          {
            int e = -((struct nlmsgerr *)NLMSG_DATA (h))->error;
            return e ? husk_error (err, e, "%s", what) : 0;
          }
    }
}

struct address
{
  struct ifaddrmsg ifa;
  unsigned char local[16], address[16];
  size_t len; /* 4 or 16 */
  bool has_local, has_address;
};

static void
parse_address (struct nlmsghdr *h, struct address *a)
{
  memset (a, 0, sizeof *a);
  a->ifa = *(struct ifaddrmsg *)NLMSG_DATA (h);
  int len = IFA_PAYLOAD (h);
  for (struct rtattr *rta = IFA_RTA (NLMSG_DATA (h)); RTA_OK (rta, len); rta = RTA_NEXT (rta, len))
    {
      size_t n = RTA_PAYLOAD (rta);
      if ((rta->rta_type != IFA_LOCAL && rta->rta_type != IFA_ADDRESS) || (n != 4 && n != 16))
        continue;
      a->len = n;
      memcpy (rta->rta_type == IFA_LOCAL ? a->local : a->address, RTA_DATA (rta), n);
      *(rta->rta_type == IFA_LOCAL ? &a->has_local : &a->has_address) = true;
    }
}

/* The addresses of interface `index` worth keeping (not IPv6 link-local:
   the kernel makes a new one). */
static int
addresses_of (int sock, int index, struct address **out, size_t *count, husk_err_t **err)
{
  struct nl_msg m;
  nl_init (&m, RTM_GETADDR, NLM_F_DUMP);
  struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC };
  nl_put (&m, &ifa, sizeof ifa);
  if (send (sock, &m, m.nh.nlmsg_len, 0) < 0)
    return husk_error (err, errno, "list addresses: netlink send");
  char buf[16384] __attribute__ ((aligned (NLMSG_ALIGNTO)));
  for (;;)
    {
      ssize_t n = recv (sock, buf, sizeof buf, 0);
      if (n < 0)
        return husk_error (err, errno, "list addresses: netlink receive");
      for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK (h, (size_t)n);
           h = NLMSG_NEXT (h, n))
        {
          if (h->nlmsg_type == NLMSG_DONE)
            return 0;
          if (h->nlmsg_type == NLMSG_ERROR)
            return husk_error (err, -((struct nlmsgerr *)NLMSG_DATA (h))->error, "list addresses");
          struct address a;
          if (h->nlmsg_type != RTM_NEWADDR)
            continue;
          parse_address (h, &a);
          if ((int)a.ifa.ifa_index != index
              || (a.ifa.ifa_family == AF_INET6 && a.ifa.ifa_scope == RT_SCOPE_LINK))
            continue;
          *out = xrealloc (*out, (*count + 1) * sizeof **out);
          (*out)[(*count)++] = a;
        }
    }
}

static int
move_link (int sock, int index, const char *name, int netns_fd, husk_err_t **err)
{
  struct nl_msg m;
  nl_init (&m, RTM_NEWLINK, 0);
  struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index };
  nl_put (&m, &ifi, sizeof ifi);
  uint32_t fd = (uint32_t)netns_fd;
  nl_attr (&m, IFLA_NET_NS_FD, &fd, sizeof fd);
  nl_attr (&m, IFLA_IFNAME, name, strlen (name) + 1);
  return nl_talk (sock, &m, "move the interface into the container", err);
}

static int
add_address (int sock, const struct address *a, int index, husk_err_t **err)
{
  struct nl_msg m;
  nl_init (&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  struct ifaddrmsg ifa = a->ifa;
  ifa.ifa_index = (unsigned)index;
  nl_put (&m, &ifa, sizeof ifa);
  if (a->has_local)
    nl_attr (&m, IFA_LOCAL, a->local, a->len);
  if (a->has_address)
    nl_attr (&m, IFA_ADDRESS, a->address, a->len);
  return nl_talk (sock, &m, "restore an address", err);
}

static int
set_up (int sock, int index, husk_err_t **err)
{
  struct nl_msg m;
  nl_init (&m, RTM_NEWLINK, 0);
  struct ifinfomsg ifi
      = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP, .ifi_change = IFF_UP };
  nl_put (&m, &ifi, sizeof ifi);
  return nl_talk (sock, &m, "bring the interface up", err);
}

static bool
is_up (const char *name)
{
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq ifr = { 0 };
  strncpy (ifr.ifr_name, name, IFNAMSIZ - 1);
  return s >= 0 && ioctl (s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
}

/* In the container's network namespace (we are single-threaded): restore
   the addresses and the up state. */
static int
configure_inside (const char *name, const struct address *addrs, size_t n, bool up, int netns_fd,
                  husk_err_t **err)
{
  cleanup_close int ours = open ("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  if (ours < 0)
    return husk_error (err, errno, "open /proc/self/ns/net");
  if (setns (netns_fd, CLONE_NEWNET) < 0)
    return husk_error (err, errno, "enter the container's network namespace");
  int r = 0;
  cleanup_close int sock = nl_socket (err);
  int index = (int)if_nametoindex (name);
  if (sock < 0 || index == 0)
    r = index ? -1 : husk_error (err, errno, "find `%s` in the container", name);
  for (size_t i = 0; r == 0 && i < n; i++)
    r = add_address (sock, &addrs[i], index, err);
  if (r == 0 && up)
    r = set_up (sock, index, err);
  if (setns (ours, CLONE_NEWNET) < 0)
    return husk_error (err, errno, "return to the runtime's network namespace");
  return r;
}

static int
move_one (int sock, const struct husk_net_device *d, int netns_fd, husk_err_t **err)
{
  int index = (int)if_nametoindex (d->host_name);
  if (index == 0)
    return husk_error (err, errno, "no interface `%s` on the host", d->host_name);
  bool up = is_up (d->host_name);
  cleanup_free struct address *addrs = NULL;
  size_t n = 0;
  if (addresses_of (sock, index, &addrs, &n, err) < 0)
    return -1;
  if (move_link (sock, index, new_name (d), netns_fd, err) < 0)
    return -1;
  return configure_inside (new_name (d), addrs, n, up, netns_fd, err);
}

int
husk_netdev_move_all (const struct husk_linux *lx, int netns_fd, husk_err_t **err)
{
  if (lx == NULL || lx->n_net_devices == 0)
    return 0;
  cleanup_close int sock = nl_socket (err);
  if (sock < 0)
    return -1;
  for (size_t i = 0; i < lx->n_net_devices; i++)
    if (move_one (sock, &lx->net_devices[i], netns_fd, err) < 0)
      return husk_error_prefix (err, "linux.netDevices \"%s\"", lx->net_devices[i].host_name);
  return 0;
}

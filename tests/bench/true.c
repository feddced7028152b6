/* true: exit 0 and nothing else, linked static.  The bench puts it in its
   rootfs as /bin/true, so the container's own program weighs next to nothing
   next to the runtime (busybox's applet would add its 1.3 MiB resident set
   to every peak-RSS sample), and uses it as the "fork+exec of a static
   true" that `state` and `--version` are compared with. */
int
main (void)
{
  return 0;
}

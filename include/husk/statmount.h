/* The mount a path is on, asked of the kernel directly (Linux 6.8+:
   statx STATX_MNT_ID_UNIQUE, then statmount), instead of formatting and
   parsing the whole of /proc/self/mountinfo. */
#ifndef HUSK_STATMOUNT_H
#define HUSK_STATMOUNT_H

/* For the mount whose mount point is exactly `path` (absolute, no
   symlinks): its root within its filesystem (mountinfo's 4th field, "/" or
   a bind-mounted sub-tree) in *root (malloc'd).  -1 when the kernel lacks
   these calls or `path` is not itself a mount point: the caller then reads
   mountinfo. */
int husk_statmount_root (const char *path, char **root);

#endif

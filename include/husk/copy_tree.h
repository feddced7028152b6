/* Copying a directory tree between two directory fds, for the `tmpcopyup`
   mount option: what the rootfs had at a destination is copied into the
   tmpfs mounted over it.  The source is the bundle's rootfs, untrusted:
   every entry is opened relative to its verified parent with O_NOFOLLOW,
   symlinks are copied as symlinks, never followed. */
#ifndef HUSK_COPY_TREE_H
#define HUSK_COPY_TREE_H

#include "husk/error.h"

/* Copy the contents of src_dir into dst_dir (both O_RDONLY|O_DIRECTORY
   fds): files, directories, symlinks, fifos and device nodes, with their
   mode, owner and times; dst_dir itself takes src_dir's mode and owner.
   `what` names the destination in errors. */
int husk_copy_tree (int src_dir, int dst_dir, const char *what, husk_err_t **err);

#endif

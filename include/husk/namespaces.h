/* Namespaces: which to create and how, which to join (fds opened and
   type-checked in the parent), the user namespace's id maps and the time
   namespace's offsets.

   Who creates what:
   - clone3 creates the new namespaces, in one step, owned by the new user
     namespace when there is one;
   - when the config joins a user namespace, the new namespaces must belong
     to it: the child unshares them after joining it (mount, network, ipc,
     uts, cgroup, time); a new pid namespace, which only a new process can
     enter, comes from a clone3 made inside that user namespace by a
     short-lived helper;
   - a joined pid namespace is entered by clone3 too: the parent makes it
     its namespace for children just around the clone;
   - a new time namespace with offsets is unshared by the child, so that the
     parent can write the offsets before anything runs in it. */
#ifndef HUSK_NAMESPACES_H
#define HUSK_NAMESPACES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "husk/error.h"
#include "husk/spec.h"

struct husk_ns_plan
{
  uint64_t clone_flags;             /* CLONE_NEW* for clone3 */
  int unshare_flags;                /* CLONE_NEW* the child unshares after joining */
  int join_fds[HUSK_NS_KIND_COUNT]; /* -1, or an fd of the namespace to join */
};

/* Open every `path` namespace and check it is of the configured type
   (`linux.namespaces[2].path: \`/x\` is not a network namespace`). */
int husk_ns_plan_build (const struct husk_spec *spec, struct husk_ns_plan *plan, husk_err_t **err);
void husk_ns_plan_close (struct husk_ns_plan *plan);

/* Parent, around clone3: make the joined pid namespace the one our next
   child is born in.  *saved gets our own pid_for_children to go back to
   (-1: nothing was changed). */
int husk_ns_pid_enter (struct husk_ns_plan *plan, int *saved, husk_err_t **err);
int husk_ns_pid_leave (int *saved, husk_err_t **err);

/* Whether the init must be cloned by husk_ns_clone_in_userns. */
bool husk_ns_needs_userns_clone (const struct husk_ns_plan *plan);

/* clone3 of the init from inside the joined user namespace (through a
   helper, with CLONE_PARENT, so the init is still our child): its new
   namespaces belong to that user namespace.  Returns as husk_clone3: the
   pid and *pidfd in the parent, 0 in the init. */
pid_t husk_ns_clone_in_userns (struct husk_ns_plan *plan, int cgroup_fd, int *pidfd,
                               husk_err_t **err);

/* Child: join the configured namespaces (the user namespace last, so the
   others are joined with the runtime's privileges), then unshare the new
   ones that belong to a joined user namespace or need time offsets. */
int husk_ns_join (const struct husk_ns_plan *plan, husk_err_t **err);

/* Child, after the parent wrote the offsets: enter the time namespace
   unshared for our children (proc_fd: a procfs of ours). */
int husk_ns_enter_time (int proc_fd, husk_err_t **err);

/* Parent: write /proc/PID/{uid_map,gid_map} from linux.uidMappings/gidMappings. */
int husk_ns_write_idmaps (pid_t pid, const struct husk_linux *linux_, husk_err_t **err);

/* Parent: a user namespace with these maps, as an fd (for idmapped
   mounts): made by a child that exists only while the maps are written. */
int husk_ns_userns_with_maps (const struct husk_id_mapping *uid, size_t n_uid,
                              const struct husk_id_mapping *gid, size_t n_gid, husk_err_t **err);

/* Parent: write /proc/PID/timens_offsets (the namespace PID unshared for
   its children, before any process is in it). */
int husk_ns_write_time_offsets (pid_t pid, const struct husk_time_offsets *off, husk_err_t **err);

#endif

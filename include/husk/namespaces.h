/* Namespaces: which to create (clone flags), which to join (fds opened and
   type-checked in the parent), and the user namespace's id maps. */
#ifndef HUSK_NAMESPACES_H
#define HUSK_NAMESPACES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "husk/error.h"
#include "husk/spec.h"

struct husk_ns_plan
{
  uint64_t clone_flags;                /* CLONE_NEW* to create */
  int join_fds[HUSK_NS_KIND_COUNT];    /* -1, or an fd of the namespace to join */
};

/* Open every `path` namespace and check it is of the configured type. */
int husk_ns_plan_build (const struct husk_spec *spec, struct husk_ns_plan *plan,
                        husk_err_t **err);
void husk_ns_plan_close (struct husk_ns_plan *plan);

/* Child: join the configured namespaces, user namespace first. */
int husk_ns_join (const struct husk_ns_plan *plan, husk_err_t **err);

/* Parent: write /proc/PID/{uid_map,gid_map} (and setgroups). */
int husk_ns_write_idmaps (pid_t pid, const struct husk_linux *linux_, husk_err_t **err);

/* Parent: write /proc/PID/timens_offsets before the child runs. */
int husk_ns_write_time_offsets (pid_t pid, const struct husk_time_offsets *off,
                                husk_err_t **err);

#endif

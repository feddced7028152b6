/* The parent side of every command on a container: create, start, run,
   state, kill, delete, list.  One call per command; src/cmd/ only parses
   flags into these structs. */
#ifndef HUSK_CONTAINER_H
#define HUSK_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "husk/error.h"
#include "husk/state.h"

/* Global options. */
struct husk_context
{
  const char *root; /* --root */
  bool systemd_cgroup;
  bool debug;
};

struct husk_create_opts
{
  const char *id;
  const char *bundle; /* NULL: the current directory */
  const char *pid_file;
  const char *console_socket;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  bool detach; /* run */
  bool keep;   /* run: do not delete after exit */
};

int husk_container_create (const struct husk_context *ctx, const struct husk_create_opts *o,
                           husk_err_t **err);
int husk_container_start (const struct husk_context *ctx, const char *id, husk_err_t **err);
/* run: create + start; in the foreground waits and sets *exit_code. */
int husk_container_run (const struct husk_context *ctx, const struct husk_create_opts *o,
                        int *exit_code, husk_err_t **err);
/* The OCI state JSON, pretty-printed as runc does.  Caller frees. */
int husk_container_state (const struct husk_context *ctx, const char *id, char **json,
                          husk_err_t **err);
int husk_container_kill (const struct husk_context *ctx, const char *id, int sig, bool all,
                         husk_err_t **err);
int husk_container_delete (const struct husk_context *ctx, const char *id, bool force,
                           husk_err_t **err);
/* run's delete of the container it ran, from the state it holds (an init
   still alive is stopped first): the state directory must still be the one
   it made, own_dir, which run keeps open so that no successor can take its
   inode; when another delete came first, nothing is done (a container made
   since under the same id is not ours). */
int husk_container_delete_own (const struct husk_context *ctx, const struct husk_state *st,
                               int own_dir, husk_err_t **err);

struct husk_list_entry
{
  struct husk_state *state;
  enum husk_status status;
  uid_t owner; /* of the state directory */
};
/* Every container under root, sorted by id.  Caller frees with husk_list_free. */
int husk_container_list (const struct husk_context *ctx, struct husk_list_entry **out, size_t *n,
                         husk_err_t **err);
void husk_list_free (struct husk_list_entry *e, size_t n);

/* Open and lock a container's state directory and read its state. */
int husk_container_load (const struct husk_context *ctx, const char *id, int *dirfd,
                         struct husk_state **st, husk_err_t **err);

/* ---- commands on the container's cgroup (container_cgroup.c) ---- */

/* What update recorded: the merged linux.resources, in the state directory. */
#define HUSK_RESOURCES_FILE "resources.json"

/* Freeze a created or running container through cgroup.freeze (runc:
   "container not running" otherwise). */
int husk_container_pause (const struct husk_context *ctx, const char *id, husk_err_t **err);
/* Thaw a paused container ("container not paused" otherwise). */
int husk_container_resume (const struct husk_context *ctx, const char *id, husk_err_t **err);

/* Apply a linux.resources overlay (JSON text, as `update --resources`
   takes it, or as husk_update_flags_doc makes it from runc's flags) to a
   created, running or paused container: merged over what the container has
   (resources.json from an earlier update, else the bundle's config.json),
   the merged resources applied to its cgroup, and recorded in resources.json
   (temp file + rename) once applied.  The device filter is replaced only
   when the overlay has devices rules.  Errors: "container not running" for
   a stopped one; resource errors name the field. */
int husk_container_update (const struct husk_context *ctx, const char *id, const char *overlay,
                           size_t overlay_len, husk_err_t **err);

struct husk_events_opts
{
  bool stats_only;     /* one stats event, then return */
  int64_t interval_ns; /* between stats events otherwise (> 0) */
  /* Called with each event, one JSON object without a newline; a negative
     return ends the stream (e.g. stdout closed). */
  int (*emit) (const char *json, void *data);
  void *data;
};
/* runc's events: stats every interval and an oom event whenever the
   oom_kill count of memory.events grows, until the container's cgroup is
   empty or gone.  The state lock is held only while reading the state.
   Error for a stopped container ("container with id ID is not running"). */
int husk_container_events (const struct husk_context *ctx, const char *id,
                           const struct husk_events_opts *o, husk_err_t **err);

/* The pids in the container's cgroup and below, ascending.  Caller frees. */
int husk_container_ps (const struct husk_context *ctx, const char *id, pid_t **pids, size_t *n,
                       husk_err_t **err);

#endif

/* Container state under --root: one directory per container holding
   state.json (written by temp file + rename), the exec fifo while the
   container is `created`, and a copy of config.json.  Every command on a
   container holds an flock on its directory. */
#ifndef HUSK_STATE_H
#define HUSK_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "husk/error.h"
#include "husk/spec.h"

#define HUSK_DEFAULT_ROOT "/run/husk"
#define HUSK_ID_MAX       1024

enum husk_status
{
  HUSK_STATUS_CREATING,
  HUSK_STATUS_CREATED,
  HUSK_STATUS_RUNNING,
  HUSK_STATUS_PAUSED,
  HUSK_STATUS_STOPPED,
};
extern const char *const husk_status_names[];

struct husk_state
{
  char *id;
  pid_t pid;           /* 0 until the init process exists */
  uint64_t start_time; /* /proc/PID/stat starttime: a reused pid is not ours */
  char *bundle;
  char *rootfs;
  char *created; /* RFC 3339, nanoseconds, UTC */
  char *owner;
  struct husk_kv *annotations;
  size_t n_annotations;
  char *cgroup;   /* path inside the cgroup2 hierarchy, NULL when none */
  unsigned hooks; /* bit (1 << enum husk_hook_kind) per kind config.json has */
};

/* Ids: letters, digits, '_', '.', '-'; not starting with '.'; 1..HUSK_ID_MAX bytes. */
int husk_id_validate (const char *id, husk_err_t **err);

/* The default --root: HUSK_DEFAULT_ROOT as root; for an unprivileged
   caller with XDG_RUNTIME_DIR set, "$XDG_RUNTIME_DIR/husk" (as runc).
   Caller frees. */
char *husk_state_default_root (void);

/* Open (and with create, make 0700) the state root. */
int husk_state_root_open (const char *root, bool create, int *fd, husk_err_t **err);

/* mkdir <root>/<id> and lock it: "container \"ID\" already exists" when present. */
int husk_state_dir_create (int root_fd, const char *id, int *dirfd, husk_err_t **err);
/* Open and lock an existing one: "container \"ID\" does not exist". */
int husk_state_dir_open (int root_fd, const char *id, int *dirfd, husk_err_t **err);
/* Open without the lock, for readers (state, list): state.json is replaced
   atomically, so it is never seen half written, and a hook that asks for
   the state of the container being created does not wait for its creator. */
int husk_state_dir_peek (int root_fd, const char *id, int *dirfd, husk_err_t **err);
/* Remove <root>/<id> and everything in it. */
int husk_state_dir_remove (int root_fd, const char *id, husk_err_t **err);

/* replace: a state.json is there already (create's commit). */
int husk_state_write (int dirfd, const struct husk_state *st, bool replace, husk_err_t **err);
/* A directory without state.json (runtime killed mid-create) reads as a
   state with pid 0. */
int husk_state_read (int dirfd, const char *id, struct husk_state **out, husk_err_t **err);
void husk_state_free (struct husk_state *st);
void husk_state_freep (struct husk_state **st);
#define cleanup_state __attribute__ ((cleanup (husk_state_freep)))

/* Derived, never stored: the process (with matching start time), the exec
   fifo and the freezer say what the status is. */
enum husk_status husk_state_status (int dirfd, const struct husk_state *st);
/* The same for a directory opened with peek: without a process yet, it is
   "creating" while its creator holds the lock, "stopped" when it gave up. */
enum husk_status husk_state_status_peeked (int dirfd, const struct husk_state *st);
bool husk_state_pid_alive (const struct husk_state *st);

/* The OCI state JSON (as `state` prints it and hooks read it). */
char *husk_state_json (const struct husk_state *st, enum husk_status status, bool pretty);

/* Now as RFC 3339 with nanoseconds, UTC ("2026-12-07T01:48:58.906860439Z"). */
char *husk_now_rfc3339 (void);

#define HUSK_EXEC_FIFO "exec.fifo"
/* Present while `run`'s init sets up with its pid already recorded: the
   status is "creating" until the init is READY. */
#define HUSK_CREATING_MARK "creating"
#define HUSK_STATE_FILE    "state.json"
#define HUSK_CONFIG_COPY   "config.json"

/* The config the container was created with: create keeps the bytes it
   parsed in the state directory (HUSK_CONFIG_COPY), so exec and the
   poststart/poststop hooks do not depend on the bundle staying as it was.
   A state directory without the copy (made by an older husk) falls back to
   the bundle's config.json. */
int husk_state_write_config (int dirfd, const char *json, size_t len, husk_err_t **err);
struct husk_spec;
int husk_state_load_config (int dirfd, const struct husk_state *st, struct husk_spec **out,
                            husk_err_t **err);

#endif

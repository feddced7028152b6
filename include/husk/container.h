/* The parent side of every command on a container: create, start, run,
   state, kill, delete, list.  One call per command; src/cmd/ only parses
   flags into these structs. */
#ifndef HUSK_CONTAINER_H
#define HUSK_CONTAINER_H

#include <stdbool.h>

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

struct husk_list_entry
{
  struct husk_state *state;
  enum husk_status status;
};
/* Every container under root, sorted by id.  Caller frees with husk_list_free. */
int husk_container_list (const struct husk_context *ctx, struct husk_list_entry **out, size_t *n,
                         husk_err_t **err);
void husk_list_free (struct husk_list_entry *e, size_t n);

/* Open and lock a container's state directory and read its state. */
int husk_container_load (const struct husk_context *ctx, const char *id, int *dirfd,
                         struct husk_state **st, husk_err_t **err);

#endif

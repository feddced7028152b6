/* Idmapped bind mounts: see include/husk/mount_idmap.h. */
#include <errno.h>
#include <fcntl.h>

#include "husk/mount_idmap.h"
#include "husk/namespaces.h"
#include "husk/util.h"
#include "mount_api.h"

static int
prepare_one (const struct husk_spec *spec, const struct husk_mount *m,
             const struct husk_mount_plan *p, const char *bundle, husk_err_t **err)
{
  const struct husk_linux *lx = spec->linux_;
  const struct husk_id_mapping *uid = m->uid_mappings, *gid = m->gid_mappings;
  size_t n_uid = m->n_uid_mappings, n_gid = m->n_gid_mappings;
  if (n_uid == 0 && lx && lx->n_uid_mappings && husk_spec_namespace (spec, HUSK_NS_USER))
    {
      uid = lx->uid_mappings, n_uid = lx->n_uid_mappings;
      gid = lx->gid_mappings, n_gid = lx->n_gid_mappings;
    }
  if (n_uid == 0 || n_gid == 0)
    return husk_error (err, 0,
                       "an idmapped mount needs uidMappings and gidMappings, its own or the "
                       "container's user namespace's");
  cleanup_close int userns = husk_ns_userns_with_maps (uid, n_uid, gid, n_gid, err);
  if (userns < 0)
    return -1;

  cleanup_free char *src = m->source && m->source[0] == '/'
                               ? xstrdup (m->source)
                               : xasprintf ("%s/%s", bundle, m->source ? m->source : "");
  unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (p->rbind ? AT_RECURSIVE : 0);
  cleanup_close int tree = sys_open_tree (AT_FDCWD, src, flags);
  if (tree < 0)
    return husk_error (err, errno, "source `%s`", src);
  struct mount_attr idmap = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns };
  unsigned at = AT_EMPTY_PATH | (p->ridmap ? AT_RECURSIVE : 0);
  if (syscall (SYS_mount_setattr, tree, "", at, &idmap, sizeof idmap) < 0)
    return husk_error (err, errno, "idmap `%s`", src);
  uint64_t set, clr;
  husk_mount_plan_flag_attrs (p, &set, &clr);
  if ((set | clr) && sys_mount_setattr (tree, "", AT_EMPTY_PATH, set, clr) < 0)
    return husk_error (err, errno, "set the mount flags of `%s`", src);
  return steal_fd (&tree);
}

int
husk_idmap_trees_prepare (const struct husk_spec *spec, const struct husk_mount_plan *plans,
                          const char *bundle, int *trees, husk_err_t **err)
{
  for (size_t i = 0; i < spec->n_mounts; i++)
    trees[i] = -1;
  for (size_t i = 0; i < spec->n_mounts; i++)
    if (plans[i].idmap)
      {
        trees[i] = prepare_one (spec, &spec->mounts[i], &plans[i], bundle, err);
        if (trees[i] < 0)
          return husk_error_prefix (err, "config.json: mounts[%zu]", i);
      }
  return 0;
}

void
husk_idmap_trees_close (int *trees, size_t n)
{
  for (size_t i = 0; trees && i < n; i++)
    closep (&trees[i]);
}

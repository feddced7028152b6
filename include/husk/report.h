/* What `events` and `ps` print, in runc's formats (pure, report.c). */
#ifndef HUSK_REPORT_H
#define HUSK_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "husk/cgroup.h"
#include "husk/error.h"

/* {"type":"stats","id":ID,"data":{...}}, one line, the data laid out as
   runc's types.Stats (cpu, cpuset, memory, pids, blkio, hugetlb, intel_rdt,
   network_interfaces) with Go's omitempty rules, filled from the v2 files
   as runc's fs2 driver does: times in ns, memory.swap as memory+swap,
   io.stat's rbytes/wbytes/rios/wios as Read/Write entries, a "max" limit as
   18446744073709551615.  Beyond runc: memory.usage.failcnt is the "max"
   count of memory.events (runc leaves 0 on v2).  Caller frees. */
char *husk_stats_event_json (const char *id, const struct husk_cgroup_stats *st);

/* {"type":"oom","id":ID}.  Caller frees. */
char *husk_oom_event_json (const char *id);

/* A Go duration ("5s", "1m30s", "1.5h", "300ms", "10us", "0"), as runc's
   --interval takes it, in nanoseconds.  Error as Go's:
   "time: invalid duration \"x\"". */
int husk_parse_duration (const char *s, int64_t *ns, husk_err_t **err);

/* The lines of `ps` output whose PID column names one of pids, after the
   header line, as runc ps does.  Error when the header has no PID column.
   Caller frees *out. */
int husk_ps_filter (const char *ps_output, const pid_t *pids, size_t n, char **out,
                    husk_err_t **err);

/* pids as a JSON array ("[1,2,3]"), runc ps --format json.  Caller frees. */
char *husk_pids_json (const pid_t *pids, size_t n);

#endif

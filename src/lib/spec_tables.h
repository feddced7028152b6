/* Field tables shared by spec.c (top level, process, mounts, hooks) and
   spec_linux.c (the linux object): internal to the spec parser. */
#ifndef HUSK_SPEC_TABLES_H
#define HUSK_SPEC_TABLES_H

#include "husk/json.h"
#include "husk/spec.h"

/* Shorthands for the tables: ST names the struct a table describes. */
#define F(J, T, M, ...)        HUSK_JFIELD (ST, J, T, M, __VA_ARGS__)
#define N(J, T, M, COUNT, ...) HUSK_JCOUNTED (ST, J, T, M, COUNT, __VA_ARGS__)
#define REQUIRED               .required = true

extern const struct husk_jdesc husk_spec_id_mapping_desc;
extern const struct husk_jdesc husk_spec_linux_desc;
extern const struct husk_jdesc husk_spec_resources_desc;

#endif

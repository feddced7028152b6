/* The end of every Check suite's main(): run it, report, exit status. */
#ifndef HUSK_CHECK_MAIN_H
#define HUSK_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

static inline int
husk_check_run (Suite *s)
{
  SRunner *sr = srunner_create (s);
  srunner_run_all (sr, CK_NORMAL);
  int failed = srunner_ntests_failed (sr);
  srunner_free (sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif

/* libFuzzer target: config.json, process.json and resources documents
   through the parser and the validator.  Besides memory errors (ASan) and
   undefined behaviour (UBSan), it checks the parser's contract: exactly one
   of result and error, and errors that are one line naming the document. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "husk/spec.h"
#include "husk/validate.h"

static void
check_error (int r, const void *result, husk_err_t *err, const char *doc)
{
  if (r == 0 ? (result == NULL || err != NULL) : (result != NULL || err == NULL))
    abort ();
  if (err && (strncmp (err->msg, doc, strlen (doc)) != 0 || strchr (err->msg, '\n') != NULL))
    abort ();
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;

  struct husk_spec *spec = NULL;
  husk_err_t *err = NULL;
  int r = husk_spec_parse (text, size, &spec, &err);
  check_error (r, spec, err, "config.json: ");
  if (r == 0)
    {
      if (husk_spec_validate (spec, &err) < 0 && strncmp (err->msg, "config.json: ", 13) != 0)
        abort ();
      for (int kind = 0; kind < HUSK_NS_KIND_COUNT; kind++)
        husk_spec_namespace (spec, kind);
    }
  husk_spec_free (spec);
  husk_err_free (err);

  struct husk_process *process = NULL;
  err = NULL;
  r = husk_process_parse (text, size, &process, &err);
  check_error (r, process, err, "process.json: ");
  if (r == 0)
    husk_process_validate (process, "process", &err);
  husk_process_free (process);
  husk_err_free (err);

  struct husk_resources *resources = NULL;
  err = NULL;
  r = husk_resources_parse (text, size, &resources, &err);
  check_error (r, resources, err, "resources.json: ");
  husk_resources_free (resources);
  husk_err_free (err);
  return 0;
}

/* sha256.c against the FIPS 180-4 / NIST example digests, and incremental
   hashing in odd pieces against one-shot hashing. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "husk/sha256.h"
#include "husk/util.h"
#include "check_main.h"

static void
assert_digest (const void *data, size_t len, const char *want)
{
  uint8_t d[HUSK_SHA256_LEN];
  char hex[2 * HUSK_SHA256_LEN + 1];
  husk_sha256 (data, len, d);
  husk_sha256_hex (d, hex);
  ck_assert_str_eq (hex, want);
}

START_TEST (nist_vectors)
{
  assert_digest ("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_digest ("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  assert_digest (two, strlen (two),
                 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  const char *four = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
                     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
  assert_digest (four, strlen (four),
                 "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  size_t n = 1000000;
  char *a = xmalloc0 (n);
  memset (a, 'a', n);
  assert_digest (a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  free (a);
}
END_TEST

/* Lengths around the 55/56/64-byte padding edges, fed in pieces of every size. */
START_TEST (incremental)
{
  uint8_t buf[200];
  for (size_t i = 0; i < sizeof buf; i++)
    buf[i] = (uint8_t)(i * 7 + 3);
  for (size_t len = 0; len <= sizeof buf; len++)
    {
      uint8_t whole[HUSK_SHA256_LEN];
      husk_sha256 (buf, len, whole);
      for (size_t piece = 1; piece <= 70; piece += 3)
        {
          struct husk_sha256 c;
          uint8_t parts[HUSK_SHA256_LEN];
          husk_sha256_init (&c);
          for (size_t off = 0; off < len; off += piece)
            husk_sha256_update (&c, buf + off, len - off < piece ? len - off : piece);
          husk_sha256_final (&c, parts);
          ck_assert_msg (memcmp (whole, parts, sizeof whole) == 0, "len %zu piece %zu", len, piece);
        }
    }
}
END_TEST

int
main (void)
{
  Suite *s = suite_create ("sha256");
  TCase *tc = tcase_create ("sha256");
  tcase_add_test (tc, nist_vectors);
  tcase_add_test (tc, incremental);
  suite_add_tcase (s, tc);
  return husk_check_run (s);
}

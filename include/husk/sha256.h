/* SHA-256 (FIPS 180-4), small and dependency-free: husk may link only libc,
   yajl, libseccomp and libcap.  Used for content keys (the seccomp cache). */
#ifndef HUSK_SHA256_H
#define HUSK_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define HUSK_SHA256_LEN 32

struct husk_sha256
{
  uint32_t h[8];
  uint64_t total; /* bytes hashed so far */
  uint8_t block[64];
  size_t used; /* bytes waiting in block */
};

void husk_sha256_init (struct husk_sha256 *c);
void husk_sha256_update (struct husk_sha256 *c, const void *data, size_t len);
void husk_sha256_final (struct husk_sha256 *c, uint8_t out[HUSK_SHA256_LEN]);

/* One-shot digest of a buffer. */
void husk_sha256 (const void *data, size_t len, uint8_t out[HUSK_SHA256_LEN]);

/* Lower-case hex of a digest into hex (2 * HUSK_SHA256_LEN + 1 bytes). */
void husk_sha256_hex (const uint8_t digest[HUSK_SHA256_LEN], char hex[2 * HUSK_SHA256_LEN + 1]);

#endif

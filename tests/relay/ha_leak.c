/*
 * tests/relay/ha_leak.c — the key-material search of the HA tests
 * (ha_leak.h).
 */
#include "tests/relay/ha_leak.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/relay/relay_util.h"

bool ha_has(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    return m && n >= m && memmem(hay, n, needle, m) != NULL;
}

/* base64 of b at each of the 3 alignments, keeping only the characters
 * that depend on b alone: found whatever bytes surround it. */
static bool has_b64(const uint8_t *hay, size_t n, const uint8_t *b, size_t m)
{
    for (int a = 0; a < 3; a++) {
        uint8_t in[64] = {0};
        char out[128];
        memcpy(in + a, b, m);
        int len = EVP_EncodeBlock((unsigned char *)out, in, (int)(m + (size_t)a));
        int skip = a ? (a * 8 + 5) / 6 + 1 : 0;
        int keep = len - skip - 4;
        if (keep < 12)
            continue;
        if (ha_has(hay, n, out + skip, (size_t)keep))
            return true;
        for (int i = 0; i < len; i++) /* base64url */
            out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
        if (ha_has(hay, n, out + skip, (size_t)keep))
            return true;
    }
    return false;
}

static bool has_hex(const uint8_t *hay, size_t n, const uint8_t *b, size_t m)
{
    char lo[128], up[128];
    for (size_t i = 0; i < m; i++) {
        snprintf(lo + 2 * i, 3, "%02x", b[i]);
        snprintf(up + 2 * i, 3, "%02X", b[i]);
    }
    return ha_has(hay, n, lo, 2 * m) || ha_has(hay, n, up, 2 * m);
}

/* Any of the key material of seed in the dump, in any encoding. */
bool ha_leaks(const sg_suite *suite, const uint8_t *d, size_t n, unsigned seed)
{
    uint8_t km[64];
    ru_key(suite, seed, km);
    const uint8_t *parts[3] = {km, km, km + suite->key_len};
    size_t lens[3] = {(size_t)suite->key_len + suite->salt_len, suite->key_len, suite->salt_len};
    for (int i = 0; i < 3; i++)
        if (ha_has(d, n, parts[i], lens[i]) || has_hex(d, n, parts[i], lens[i]) ||
            has_b64(d, n, parts[i], lens[i]))
            return true;
    return false;
}

uint8_t *ha_read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *b = malloc(1 << 24);
    *n = b ? fread(b, 1, 1 << 24, f) : 0;
    fclose(f);
    return b;
}

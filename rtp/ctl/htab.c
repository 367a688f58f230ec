/*
 * rtp/ctl/htab.c — SipHash-2-4 and the intrusive chained hash table of
 * htab.h. SipHash follows the reference description (Aumasson, Bernstein:
 * "SipHash: a fast short-input PRF", 2012): c = 2 compression rounds per
 * 8-byte word, d = 4 finalization rounds, little-endian words, the length
 * in the top byte of the last word. A hand-written one rather than
 * OpenSSL's EVP_MAC "SIPHASH": the keys hashed here are 16..255 bytes and
 * EVP_MAC's per-call context setup costs more than the hash itself (the
 * numbers are in docs/srtpd.md "Scale"); tests/unit/htab_test.c checks this
 * one against OpenSSL's on every length 0..80.
 */
#include "ctl/htab.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#define CTL_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define CTL_SIPROUND \
    do { \
        v0 += v1; \
        v1 = CTL_ROTL(v1, 13); \
        v1 ^= v0; \
        v0 = CTL_ROTL(v0, 32); \
        v2 += v3; \
        v3 = CTL_ROTL(v3, 16); \
        v3 ^= v2; \
        v0 += v3; \
        v3 = CTL_ROTL(v3, 21); \
        v3 ^= v0; \
        v2 += v1; \
        v1 = CTL_ROTL(v1, 17); \
        v1 ^= v2; \
        v2 = CTL_ROTL(v2, 32); \
    } while (0)

static uint64_t ctl_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

uint64_t ctl_siphash24(const uint8_t key[16], const void *in, size_t len)
{
    uint64_t k0 = ctl_le64(key), k1 = ctl_le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ull ^ k0, v1 = 0x646f72616e646f6dull ^ k1;
    uint64_t v2 = 0x6c7967656e657261ull ^ k0, v3 = 0x7465646279746573ull ^ k1;
    const uint8_t *m = in;
    size_t words = len / 8;
    for (size_t i = 0; i < words; i++, m += 8) {
        uint64_t mi = ctl_le64(m);
        v3 ^= mi;
        CTL_SIPROUND;
        CTL_SIPROUND;
        v0 ^= mi;
    }
    uint64_t b = (uint64_t)len << 56;
    for (size_t i = 0; i < (len & 7); i++)
        b |= (uint64_t)m[i] << (8 * i);
    v3 ^= b;
    CTL_SIPROUND;
    CTL_SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    CTL_SIPROUND;
    CTL_SIPROUND;
    CTL_SIPROUND;
    CTL_SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

bool ctl_htab_init(ctl_htab *t, size_t buckets)
{
    memset(t, 0, sizeof(*t));
    size_t n = 16;
    while (n < buckets)
        n <<= 1;
    if (RAND_bytes(t->key, sizeof(t->key)) != 1)
        return false;
    t->b = calloc(n, sizeof(*t->b));
    if (!t->b)
        return false;
    t->mask = n - 1;
    return true;
}

void ctl_htab_free(ctl_htab *t)
{
    free(t->b);
    t->b = NULL;
    t->count = 0;
    OPENSSL_cleanse(t->key, sizeof(t->key));
}

/* Doubles the bucket array; on failure the table stays as it was. */
static void ctl_htab_grow(ctl_htab *t)
{
    size_t n = (t->mask + 1) * 2;
    ctl_hnode **nb = calloc(n, sizeof(*nb));
    if (!nb)
        return;
    for (size_t i = 0; i <= t->mask; i++) {
        for (ctl_hnode *x = t->b[i], *nx; x; x = nx) {
            nx = x->next;
            ctl_hnode **slot = &nb[x->hash & (n - 1)];
            x->next = *slot;
            *slot = x;
        }
    }
    free(t->b);
    t->b = nb;
    t->mask = n - 1;
}

void ctl_htab_insert(ctl_htab *t, ctl_hnode *n, uint64_t h)
{
    if (t->count >= t->mask + 1)
        ctl_htab_grow(t);
    n->hash = h;
    ctl_hnode **slot = &t->b[h & t->mask];
    n->next = *slot;
    *slot = n;
    t->count++;
}

bool ctl_htab_remove(ctl_htab *t, ctl_hnode *n)
{
    for (ctl_hnode **pp = &t->b[n->hash & t->mask]; *pp; pp = &(*pp)->next) {
        if (*pp == n) {
            *pp = n->next;
            n->next = NULL;
            t->count--;
            return true;
        }
    }
    return false;
}

ctl_hnode *ctl_htab_find(const ctl_htab *t, uint64_t h, bool (*eq)(const ctl_hnode *, const void *),
                         const void *arg)
{
    for (ctl_hnode *x = t->b[h & t->mask]; x; x = x->next)
        if (x->hash == h && eq(x, arg))
            return x;
    return NULL;
}

ctl_hnode *ctl_htab_next(const ctl_htab *t, ctl_hiter *it)
{
    ctl_hnode *x = it->next;
    if (!it->started) {
        it->started = true;
        it->bucket = 0;
        x = t->b[0];
    }
    while (!x) {
        if (++it->bucket > t->mask)
            return NULL;
        x = t->b[it->bucket];
    }
    it->next = x->next;
    return x;
}

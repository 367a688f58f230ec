/*
 * tests/unit/htab_test.c — the control plane's keyed hash and hash table
 * (rtp/ctl/htab.h) and the reply cache built on it: SipHash-2-4 against the
 * paper's test vector and OpenSSL's EVP_MAC "SIPHASH" on every length
 * 0..80, random keys per table, collisions (many nodes on one hash),
 * removal during iteration, growth with 20,000 nodes, and the reply cache
 * at a scale where the ring wraps several times.
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/htab.h"
#include "ctl/ng.h"
#include "tests/check.h"

static uint64_t openssl_siphash(const uint8_t key[16], const uint8_t *in, size_t len)
{
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
    EVP_MAC_CTX *ctx = mac ? EVP_MAC_CTX_new(mac) : NULL;
    size_t size = 8, outl = 0;
    uint8_t out[16] = {0};
    OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                           OSSL_PARAM_construct_end()};
    if (!ctx || !EVP_MAC_init(ctx, key, 16, params) || !EVP_MAC_update(ctx, in, len) ||
        !EVP_MAC_final(ctx, out, &outl, sizeof(out)) || outl != 8)
        outl = 0;
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(mac);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | out[i];
    return outl ? v : 0;
}

static void test_siphash(void)
{
    uint8_t key[16], msg[80];
    for (int i = 0; i < 16; i++)
        key[i] = (uint8_t)i;
    for (int i = 0; i < 80; i++)
        msg[i] = (uint8_t)i;
    /* The SipHash paper, appendix A: key 00..0f, message 00..0e. */
    CHECK(ctl_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
    int same = 0;
    for (size_t n = 0; n <= 80; n++)
        same += ctl_siphash24(key, msg, n) == openssl_siphash(key, msg, n);
    CHECK_EQ(same, 81);
}

typedef struct item {
    ctl_hnode h;
    int id;
    bool seen;
} item;

static bool item_eq(const ctl_hnode *n, const void *arg)
{
    return ((const item *)n)->id == *(const int *)arg;
}

static item *find_id(ctl_htab *t, uint64_t h, int id)
{
    return (item *)ctl_htab_find(t, h, item_eq, &id);
}

static void test_keys_differ(void)
{
    ctl_htab a, b;
    CHECK(ctl_htab_init(&a, 1));
    CHECK(ctl_htab_init(&b, 1));
    CHECK(memcmp(a.key, b.key, 16) != 0);
    CHECK(ctl_htab_hash(&a, "call-1", 6) != ctl_htab_hash(&b, "call-1", 6));
    CHECK(ctl_htab_hash(&a, "call-1", 6) == ctl_htab_hash(&a, "call-1", 6));
    ctl_htab_free(&a);
    ctl_htab_free(&b);
}

/* 200 nodes all on one hash value: every one is still found by its own
 * equality, and removing some leaves the others findable. */
static void test_collisions(void)
{
    ctl_htab t;
    CHECK(ctl_htab_init(&t, 16));
    static item it[200];
    for (int i = 0; i < 200; i++) {
        it[i].id = i;
        ctl_htab_insert(&t, &it[i].h, 42);
    }
    int found = 0;
    for (int i = 0; i < 200; i++)
        found += find_id(&t, 42, i) == &it[i];
    CHECK_EQ(found, 200);
    CHECK(find_id(&t, 43, 5) == NULL); /* same id, other hash */
    for (int i = 0; i < 200; i += 3)
        CHECK(ctl_htab_remove(&t, &it[i].h));
    CHECK(!ctl_htab_remove(&t, &it[0].h)); /* not in the table any more */
    found = 0;
    for (int i = 0; i < 200; i++)
        found += find_id(&t, 42, i) == (i % 3 ? &it[i] : NULL);
    CHECK_EQ(found, 200);
    CHECK_EQ(t.count, 200 - 67);
    ctl_htab_free(&t);
}

/* 20,000 nodes: the bucket array grew (load at most 1), every node is
 * found; iteration visits each exactly once while removing every node it
 * returns, leaving an empty table. */
static void test_growth_and_iteration(void)
{
    enum { N = 20000 };
    ctl_htab t;
    CHECK(ctl_htab_init(&t, 16));
    item *it = calloc(N, sizeof(*it));
    uint64_t *h = calloc(N, sizeof(*h));
    for (int i = 0; i < N; i++) {
        char id[32];
        int n = snprintf(id, sizeof(id), "call-%d@host", i);
        it[i].id = i;
        h[i] = ctl_htab_hash(&t, id, (size_t)n);
        ctl_htab_insert(&t, &it[i].h, h[i]);
    }
    CHECK(t.mask + 1 >= N);
    int found = 0;
    for (int i = 0; i < N; i++)
        found += find_id(&t, h[i], i) == &it[i];
    CHECK_EQ(found, N);
    /* Remove every other node during a walk: all still visited once. */
    ctl_hiter iter = {0};
    int visits = 0, twice = 0;
    for (ctl_hnode *n; (n = ctl_htab_next(&t, &iter));) {
        item *x = (item *)n;
        twice += x->seen;
        x->seen = true;
        visits++;
        if (x->id % 2)
            CHECK(ctl_htab_remove(&t, n));
    }
    CHECK_EQ(visits, N);
    CHECK_EQ(twice, 0);
    CHECK_EQ(t.count, N / 2);
    /* A second walk removing everything. */
    memset(&iter, 0, sizeof(iter));
    visits = 0;
    for (ctl_hnode *n; (n = ctl_htab_next(&t, &iter));) {
        visits++;
        ctl_htab_remove(&t, n);
    }
    CHECK_EQ(visits, N / 2);
    CHECK_EQ(t.count, 0);
    memset(&iter, 0, sizeof(iter));
    CHECK(ctl_htab_next(&t, &iter) == NULL);
    free(it);
    free(h);
    ctl_htab_free(&t);
}

/* The reply cache with its index: 10,000 stores into 4,096 slots; the last
 * 4,096 cookies hit with their own reply, the older ones miss, a cookie
 * with other request bytes is refused, an expired entry misses. */
static void test_cache_scale(void)
{
    ctl_cache *c = ctl_cache_new(4096, 30000);
    uint8_t dg[32] = {0}, other[32] = {1};
    char cookie[32], reply[32];
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(cookie, sizeof(cookie), "k%d", i);
        int rl = snprintf(reply, sizeof(reply), "r%d", i);
        CHECK(ctl_cache_store(c, cookie, (size_t)n, dg, reply, (size_t)rl, i));
    }
    CHECK_EQ(ctl_cache_count(c), 4096);
    int hits = 0, misses = 0, right = 0;
    for (int i = 0; i < 10000; i++) {
        int n = snprintf(cookie, sizeof(cookie), "k%d", i);
        const char *r;
        size_t rl;
        int got = ctl_cache_lookup(c, cookie, (size_t)n, dg, 10000, &r, &rl);
        if (got == 1) {
            hits++;
            snprintf(reply, sizeof(reply), "r%d", i);
            right += rl == strlen(reply) && !memcmp(r, reply, rl);
        } else {
            misses += got == 0;
        }
    }
    CHECK_EQ(hits, 4096);
    CHECK_EQ(right, 4096);
    CHECK_EQ(misses, 10000 - 4096);
    const char *r;
    size_t rl;
    CHECK_EQ(ctl_cache_lookup(c, "k9999", 5, other, 10000, &r, &rl), -1);
    /* k5904 was stored at 5904 ms: expired at 35904. */
    CHECK_EQ(ctl_cache_lookup(c, "k5904", 5, dg, 35904, &r, &rl), 0);
    CHECK_EQ(ctl_cache_count(c), 4095);
    ctl_cache_expire(c, 1000000);
    CHECK_EQ(ctl_cache_count(c), 0);
    CHECK_EQ(ctl_cache_lookup(c, "k9999", 5, dg, 1000000, &r, &rl), 0);
    ctl_cache_free(c);
}

/* The nonce set keeps its O(1) index under the keyed hash: 100,000 nonces
 * all remembered, every one refused when repeated. */
static void test_nonces_scale(void)
{
    enum { N = 100000 };
    ctl_nonce_set *s = ctl_nonce_set_new(N, 30);
    char nonce[CTL_NONCE_HEX + 1];
    int fresh = 0, replay = 0;
    for (int i = 0; i < N; i++) {
        snprintf(nonce, sizeof(nonce), "%032x", i);
        fresh += ctl_nonce_check_add(s, nonce, 100) == 0;
    }
    for (int i = 0; i < N; i++) {
        snprintf(nonce, sizeof(nonce), "%032x", i);
        replay += ctl_nonce_check_add(s, nonce, 100) == -1;
    }
    CHECK_EQ(fresh, N);
    CHECK_EQ(replay, N);
    snprintf(nonce, sizeof(nonce), "%032x", N);
    CHECK_EQ(ctl_nonce_check_add(s, nonce, 100), -2); /* full: fails closed */
    ctl_nonce_set_free(s);
}

int main(void)
{
    RUN(test_siphash);
    RUN(test_keys_differ);
    RUN(test_collisions);
    RUN(test_growth_and_iteration);
    RUN(test_cache_scale);
    RUN(test_nonces_scale);
    return check_summary("htab_test");
}

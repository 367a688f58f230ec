/*
 * rtp/ctl/cache.c — the reply cache (a retransmitted cookie gets the cached
 * reply and is not executed twice, as in RTPengine's ng protocol) and the
 * nonce set that refuses replayed authenticated requests. Both are bounded
 * rings (entries expire oldest first, no per-entry timers) with a hash
 * index keyed by SipHash under a random per-process key (ctl/htab.h:
 * cookies and nonces come from the network, so they cannot be chosen to
 * collide): a lookup costs O(1) however full the ring is.
 * Replies may carry secrets (srtpd's `state` returns the SIP side's keys),
 * so a cached reply is wiped when it expires, is replaced or freed.
 */
#include "ctl/ng.h"

#include "ctl/htab.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

typedef struct ctl_cache_ent {
    ctl_hnode hnode; /* in the index while it holds a reply */
    char cookie[CTL_MAX_COOKIE];
    size_t cookie_len;
    uint8_t digest[32];
    char *reply;
    size_t reply_len;
    int64_t expires_ms;
} ctl_cache_ent;

struct ctl_cache {
    ctl_cache_ent *ents;
    size_t capacity, next, count;
    int64_t ttl_ms;
    ctl_htab index; /* entries holding a reply, by cookie */
};

/* Wipes and frees one entry's reply and takes it out of the index. */
static void ctl_cache_drop(ctl_cache *c, ctl_cache_ent *e)
{
    if (!e->reply)
        return;
    ctl_htab_remove(&c->index, &e->hnode);
    OPENSSL_cleanse(e->reply, e->reply_len);
    free(e->reply);
    e->reply = NULL;
    e->reply_len = 0;
    c->count--;
}

ctl_cache *ctl_cache_new(size_t capacity, int64_t ttl_ms)
{
    if (capacity == 0)
        return NULL;
    ctl_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ents = calloc(capacity, sizeof(*c->ents));
    if (!c->ents || !ctl_htab_init(&c->index, capacity)) {
        ctl_htab_free(&c->index);
        free(c->ents);
        free(c);
        return NULL;
    }
    c->capacity = capacity;
    c->ttl_ms = ttl_ms;
    return c;
}

void ctl_cache_free(ctl_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->capacity; i++)
        ctl_cache_drop(c, &c->ents[i]);
    ctl_htab_free(&c->index);
    free(c->ents);
    free(c);
}

typedef struct ctl_cookie_key {
    const char *cookie;
    size_t len;
} ctl_cookie_key;

static bool ctl_cache_eq(const ctl_hnode *n, const void *arg)
{
    const ctl_cache_ent *e = (const ctl_cache_ent *)n; /* hnode is the first member */
    const ctl_cookie_key *k = arg;
    return e->cookie_len == k->len && memcmp(e->cookie, k->cookie, k->len) == 0;
}

int ctl_cache_lookup(ctl_cache *c, const char *cookie, size_t cookie_len, const uint8_t digest[32],
                     int64_t now_ms, const char **reply, size_t *reply_len)
{
    ctl_cookie_key k = {cookie, cookie_len};
    ctl_cache_ent *e = (ctl_cache_ent *)ctl_htab_find(
        &c->index, ctl_htab_hash(&c->index, cookie, cookie_len), ctl_cache_eq, &k);
    if (!e)
        return 0;
    if (e->expires_ms <= now_ms) {
        ctl_cache_drop(c, e);
        return 0;
    }
    if (memcmp(e->digest, digest, 32) != 0)
        return -1;
    *reply = e->reply;
    *reply_len = e->reply_len;
    return 1;
}

bool ctl_cache_store(ctl_cache *c, const char *cookie, size_t cookie_len, const uint8_t digest[32],
                     const char *reply, size_t reply_len, int64_t now_ms)
{
    if (cookie_len > CTL_MAX_COOKIE)
        return false;
    char *copy = malloc(reply_len ? reply_len : 1);
    if (!copy)
        return false;
    memcpy(copy, reply, reply_len);
    ctl_cache_ent *e = &c->ents[c->next];
    ctl_cache_drop(c, e);
    memcpy(e->cookie, cookie, cookie_len);
    e->cookie_len = cookie_len;
    memcpy(e->digest, digest, 32);
    e->reply = copy;
    e->reply_len = reply_len;
    e->expires_ms = now_ms + c->ttl_ms;
    ctl_htab_insert(&c->index, &e->hnode, ctl_htab_hash(&c->index, cookie, cookie_len));
    c->next = (c->next + 1) % c->capacity;
    c->count++;
    return true;
}

void ctl_cache_expire(ctl_cache *c, int64_t now_ms)
{
    for (size_t i = 0; i < c->capacity; i++)
        if (c->ents[i].reply && c->ents[i].expires_ms <= now_ms)
            ctl_cache_drop(c, &c->ents[i]);
}

size_t ctl_cache_count(const ctl_cache *c)
{
    return c->count;
}

typedef struct ctl_nonce_ent {
    char nonce[CTL_NONCE_HEX];
    int64_t seen_s;
} ctl_nonce_ent;

/* Nonces in arrival order (a ring: they expire oldest first) plus an
 * open-addressing index (linear probing, backward-shift deletion; SipHash
 * under a random key, as the reply cache) so a check costs O(1) however
 * many nonces the window holds. */
struct ctl_nonce_set {
    ctl_nonce_ent *ents;
    size_t capacity, head, count; /* ring: oldest at head */
    uint32_t *slots;              /* ring index + 1; 0 = empty */
    size_t mask;                  /* slots - 1 (a power of two >= 2 * capacity) */
    int64_t window_s;
    uint8_t key[16]; /* SipHash key, random per set */
};

static size_t ctl_nonce_hash(const ctl_nonce_set *s, const char *nonce)
{
    return (size_t)ctl_siphash24(s->key, nonce, CTL_NONCE_HEX) & s->mask;
}

ctl_nonce_set *ctl_nonce_set_new(size_t capacity, int64_t window_s)
{
    if (capacity == 0 || capacity > (1u << 24))
        return NULL;
    ctl_nonce_set *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    size_t n = 1;
    while (n < 2 * capacity)
        n <<= 1;
    s->ents = calloc(capacity, sizeof(*s->ents));
    s->slots = calloc(n, sizeof(*s->slots));
    if (!s->ents || !s->slots || RAND_bytes(s->key, sizeof(s->key)) != 1) {
        ctl_nonce_set_free(s);
        return NULL;
    }
    s->capacity = capacity;
    s->mask = n - 1;
    s->window_s = window_s;
    return s;
}

void ctl_nonce_set_free(ctl_nonce_set *s)
{
    if (!s)
        return;
    free(s->ents);
    free(s->slots);
    OPENSSL_cleanse(s->key, sizeof(s->key));
    free(s);
}

/* Removes ring entry idx from the index (backward-shift deletion keeps
 * every remaining key reachable from its home slot). */
static void ctl_nonce_unindex(ctl_nonce_set *s, size_t idx)
{
    size_t i = ctl_nonce_hash(s, s->ents[idx].nonce);
    while (s->slots[i] && s->slots[i] != idx + 1)
        i = (i + 1) & s->mask;
    if (!s->slots[i])
        return;
    size_t j = i;
    for (;;) {
        j = (j + 1) & s->mask;
        if (!s->slots[j])
            break;
        size_t k = ctl_nonce_hash(s, s->ents[s->slots[j] - 1].nonce);
        /* Move j back to i unless its home k lies cyclically in (i, j]. */
        bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (!stays) {
            s->slots[i] = s->slots[j];
            i = j;
        }
    }
    s->slots[i] = 0;
}

int ctl_nonce_check_add(ctl_nonce_set *s, const char *nonce, int64_t now_s)
{
    /* A nonce must be remembered as long as its timestamp could still be
     * accepted: the skew window on both sides of its arrival. */
    while (s->count && s->ents[s->head].seen_s + 2 * s->window_s < now_s) {
        ctl_nonce_unindex(s, s->head);
        s->head = (s->head + 1) % s->capacity;
        s->count--;
    }
    size_t i = ctl_nonce_hash(s, nonce);
    while (s->slots[i]) {
        if (memcmp(s->ents[s->slots[i] - 1].nonce, nonce, CTL_NONCE_HEX) == 0)
            return -1;
        i = (i + 1) & s->mask;
    }
    if (s->count == s->capacity)
        return -2;
    size_t idx = (s->head + s->count) % s->capacity;
    memcpy(s->ents[idx].nonce, nonce, CTL_NONCE_HEX);
    s->ents[idx].seen_s = now_s;
    s->slots[i] = (uint32_t)(idx + 1);
    s->count++;
    return 0;
}

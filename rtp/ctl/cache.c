/*
 * rtp/ctl/cache.c — the reply cache (a retransmitted cookie gets the cached
 * reply and is not executed twice, as in RTPengine's ng protocol) and the
 * nonce set that refuses replayed authenticated requests. Both are bounded
 * rings scanned linearly: the control plane handles thousands of messages
 * per second at most, and a ring needs no per-entry bookkeeping to expire.
 */
#include "ctl/ng.h"

#include <stdlib.h>
#include <string.h>

typedef struct ctl_cache_ent {
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
};

ctl_cache *ctl_cache_new(size_t capacity, int64_t ttl_ms)
{
    if (capacity == 0)
        return NULL;
    ctl_cache *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->ents = calloc(capacity, sizeof(*c->ents));
    if (!c->ents) {
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
        free(c->ents[i].reply);
    free(c->ents);
    free(c);
}

int ctl_cache_lookup(ctl_cache *c, const char *cookie, size_t cookie_len,
                     const uint8_t digest[32], int64_t now_ms, const char **reply,
                     size_t *reply_len)
{
    for (size_t i = 0; i < c->capacity; i++) {
        ctl_cache_ent *e = &c->ents[i];
        if (!e->reply || e->expires_ms <= now_ms || e->cookie_len != cookie_len ||
            memcmp(e->cookie, cookie, cookie_len) != 0)
            continue;
        if (memcmp(e->digest, digest, 32) != 0)
            return -1;
        *reply = e->reply;
        *reply_len = e->reply_len;
        return 1;
    }
    return 0;
}

bool ctl_cache_store(ctl_cache *c, const char *cookie, size_t cookie_len,
                     const uint8_t digest[32], const char *reply, size_t reply_len,
                     int64_t now_ms)
{
    if (cookie_len > CTL_MAX_COOKIE)
        return false;
    char *copy = malloc(reply_len ? reply_len : 1);
    if (!copy)
        return false;
    memcpy(copy, reply, reply_len);
    ctl_cache_ent *e = &c->ents[c->next];
    if (e->reply)
        c->count--;
    free(e->reply);
    memcpy(e->cookie, cookie, cookie_len);
    e->cookie_len = cookie_len;
    memcpy(e->digest, digest, 32);
    e->reply = copy;
    e->reply_len = reply_len;
    e->expires_ms = now_ms + c->ttl_ms;
    c->next = (c->next + 1) % c->capacity;
    c->count++;
    return true;
}

size_t ctl_cache_count(const ctl_cache *c)
{
    return c->count;
}

typedef struct ctl_nonce_ent {
    char nonce[CTL_NONCE_HEX];
    int64_t seen_s;
} ctl_nonce_ent;

struct ctl_nonce_set {
    ctl_nonce_ent *ents;
    size_t capacity, head, count; /* ring: oldest at head */
    int64_t window_s;
};

ctl_nonce_set *ctl_nonce_set_new(size_t capacity, int64_t window_s)
{
    if (capacity == 0)
        return NULL;
    ctl_nonce_set *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->ents = calloc(capacity, sizeof(*s->ents));
    if (!s->ents) {
        free(s);
        return NULL;
    }
    s->capacity = capacity;
    s->window_s = window_s;
    return s;
}

void ctl_nonce_set_free(ctl_nonce_set *s)
{
    if (!s)
        return;
    free(s->ents);
    free(s);
}

int ctl_nonce_check_add(ctl_nonce_set *s, const char *nonce, int64_t now_s)
{
    /* A nonce must be remembered as long as its timestamp could still be
     * accepted: the skew window on both sides of its arrival. */
    while (s->count && s->ents[s->head].seen_s + 2 * s->window_s < now_s) {
        s->head = (s->head + 1) % s->capacity;
        s->count--;
    }
    for (size_t k = 0; k < s->count; k++) {
        const ctl_nonce_ent *e = &s->ents[(s->head + k) % s->capacity];
        if (memcmp(e->nonce, nonce, CTL_NONCE_HEX) == 0)
            return -1;
    }
    if (s->count == s->capacity)
        return -2;
    ctl_nonce_ent *e = &s->ents[(s->head + s->count) % s->capacity];
    memcpy(e->nonce, nonce, CTL_NONCE_HEX);
    e->seen_s = now_s;
    s->count++;
    return 0;
}

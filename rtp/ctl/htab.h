/*
 * rtp/ctl/htab.h — a keyed hash and an intrusive hash table for the
 * control plane: srtpd's call table (rtp/relay/calltable.c), the reply
 * cache and the nonce set (cache.c). Keys there (call-ids, cookies, nonces)
 * are chosen by whoever sends requests, so the hash is SipHash-2-4
 * (Aumasson and Bernstein, 2012) under a random 128-bit key drawn per
 * table from OpenSSL's CSPRNG: a sender cannot make keys collide on
 * purpose (hash flooding) without knowing it.
 *
 * The table is intrusive (the caller embeds a ctl_hnode in its own struct,
 * so inserting allocates nothing but the occasional bucket array), chained,
 * a power-of-two bucket count that doubles when the load passes 1 (a failed
 * growth only leaves the chains longer). Lookups compare the stored 64-bit
 * hash first, then call the caller's equality on a hash match. Not
 * thread-safe: one owner (srtpd's control thread).
 */
#ifndef SDESGATE_CTL_HTAB_H
#define SDESGATE_CTL_HTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* SipHash-2-4 of in[0..len) under key (16 bytes). */
uint64_t ctl_siphash24(const uint8_t key[16], const void *in, size_t len);

typedef struct ctl_hnode {
    struct ctl_hnode *next;
    uint64_t hash;
} ctl_hnode;

typedef struct ctl_htab {
    ctl_hnode **b;
    size_t mask; /* buckets - 1 */
    size_t count;
    uint8_t key[16];
} ctl_htab;

/* An empty table with at least `buckets` buckets (rounded up to a power of
 * two) and a fresh random key. false when out of memory or the CSPRNG
 * failed (the table is then unusable; ctl_htab_free is still safe). */
bool ctl_htab_init(ctl_htab *t, size_t buckets);
/* Frees the bucket array (not the nodes) and wipes the key. */
void ctl_htab_free(ctl_htab *t);

/* The table's hash of a key. */
static inline uint64_t ctl_htab_hash(const ctl_htab *t, const void *k, size_t len)
{
    return ctl_siphash24(t->key, k, len);
}

/* Inserts n with hash h (duplicates are the caller's business). */
void ctl_htab_insert(ctl_htab *t, ctl_hnode *n, uint64_t h);
/* Removes n; false when n is not in the table. */
bool ctl_htab_remove(ctl_htab *t, ctl_hnode *n);
/* The first node whose hash is h and for which eq(node, arg) holds, or NULL. */
ctl_hnode *ctl_htab_find(const ctl_htab *t, uint64_t h, bool (*eq)(const ctl_hnode *, const void *),
                         const void *arg);

/* Iteration over every node: `it` starts zeroed; each call returns the next
 * node or NULL at the end. The node returned may be removed before the next
 * call (the iterator already holds its successor); other removals and any
 * insertion during the walk are not allowed. */
typedef struct ctl_hiter {
    size_t bucket;
    ctl_hnode *next;
    bool started;
} ctl_hiter;
ctl_hnode *ctl_htab_next(const ctl_htab *t, ctl_hiter *it);

#endif

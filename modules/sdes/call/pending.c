/*
 * modules/sdes/call/pending.c — the bounded set of calls with a deferred
 * send-key switch (see call/pending.h). A linear scan over hashes: the set
 * is only consulted when it holds something (`live`), and holds only the
 * calls between an edge-initiated rekey's 2xx and its ACK.
 */
#include "sdes/call/pending.h"

#include <string.h>

uint32_t sdes_call_pending_hash(const char *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (uint8_t)s[i];
        h *= 16777619u;
    }
    return h ? h : 1;
}

static void drop(sdes_call_pending_set *s, sdes_call_pending *e)
{
    memset(e, 0, sizeof(*e));
    s->live--;
}

static bool same_cid(const sdes_call_pending *e, uint32_t h, const char *cid, size_t len)
{
    return e->hash == h && e->cid_len == len && memcmp(e->cid, cid, len) == 0;
}

int sdes_call_pending_put(sdes_call_pending_set *s, const sdes_call_pending *p, int64_t now_ms)
{
    if (!s || !p || !p->cid_len || p->cid_len > SDES_CALL_CID_MAX || p->n < 1 ||
        p->n > SDES_CALL_PENDING_SW)
        return -1;
    uint32_t h = sdes_call_pending_hash(p->cid, p->cid_len);
    sdes_call_pending *slot = NULL, *soonest = NULL;
    int rc = 1;
    for (int i = 0; i < SDES_CALL_PENDING_SLOTS; i++) {
        sdes_call_pending *e = &s->e[i];
        if (e->hash && (e->expires_ms <= now_ms || same_cid(e, h, p->cid, p->cid_len)))
            drop(s, e);
        if (!e->hash) {
            if (!slot)
                slot = e;
        } else if (!soonest || e->expires_ms < soonest->expires_ms) {
            soonest = e;
        }
    }
    if (!slot) {
        slot = soonest; /* full: srtpd's deadline switches that one */
        drop(s, slot);
        rc = 2;
    }
    *slot = *p;
    slot->hash = h;
    s->live++;
    return rc;
}

int sdes_call_pending_take(sdes_call_pending_set *s, const char *cid, size_t cid_len,
                           uint32_t tag_hash, uint32_t cseq, int64_t now_ms, sdes_call_pending *out)
{
    if (!s || !cid || !cid_len || s->live <= 0)
        return 0;
    uint32_t h = sdes_call_pending_hash(cid, cid_len);
    for (int i = 0; i < SDES_CALL_PENDING_SLOTS; i++) {
        sdes_call_pending *e = &s->e[i];
        if (!same_cid(e, h, cid, cid_len))
            continue;
        if (e->expires_ms <= now_ms) {
            drop(s, e);
            return 0;
        }
        if (e->tag_hash != tag_hash || cseq < e->cseq)
            return 0; /* the other side's ACK, or an earlier exchange's */
        if (out)
            *out = *e;
        drop(s, e);
        return 1;
    }
    return 0;
}

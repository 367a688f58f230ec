/*
 * modules/sdes/call/callstate.c — packing and unpacking the call's
 * sdes-state blob with its answering branches (see call/callstate.h; RFC
 * 3261 §16.7 forking, §13.2.2.4 repeated answers).
 */
#include "sdes/call/callstate.h"

#include <string.h>

/* A bounds-checked reader over the blob. */
typedef struct rd {
    const uint8_t *p;
    size_t len, off;
    bool bad;
} rd;

static unsigned rd_u8(rd *r)
{
    if (r->bad || r->len - r->off < 1) {
        r->bad = true;
        return 0;
    }
    return r->p[r->off++];
}

static size_t rd_u16(rd *r)
{
    size_t hi = rd_u8(r);
    return (hi << 8) | rd_u8(r);
}

static const uint8_t *rd_bytes(rd *r, size_t n)
{
    if (r->bad || r->len - r->off < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *q = r->p + r->off;
    r->off += n;
    return q;
}

static void rd_tag(rd *r, char *out)
{
    size_t n = rd_u8(r);
    const uint8_t *t = rd_bytes(r, n);
    if (t)
        memcpy(out, t, n); /* n <= 255 < SDES_CALL_TAG_MAX */
    out[t ? n : 0] = '\0';
}

/* A u16-prefixed part: NULL/0 when empty. */
static void rd_part(rd *r, const uint8_t **p, size_t *n)
{
    *n = rd_u16(r);
    *p = *n ? rd_bytes(r, *n) : NULL;
    if (!*p)
        *n = 0;
}

int sdes_callstate_unpack(const uint8_t *buf, size_t len, sdes_callstate *cs)
{
    rd r = {buf, len, 0, false};
    memset(cs, 0, sizeof(*cs));
    cs->active = -1;
    if (!buf || len < 4 || buf[0] != 'S' || buf[1] != 'K' || (buf[2] < 1 || buf[2] > 3))
        return -1;
    r.off = 3;
    rd_tag(&r, cs->offerer_tag);
    rd_part(&r, &cs->offer, &cs->offer_len);
    if (buf[2] == 1) {
        /* Version 1: one answer, its To-tag unknown; it was the one srtpd
         * ran, so it stands as the committed branch for any tag. */
        sdes_call_branch *b = &cs->br[0];
        rd_part(&r, &b->state, &b->state_len);
        if (!r.bad && r.off < len) {
            const uint8_t *cache;
            size_t cache_len;
            rd_part(&r, &cache, &cache_len); /* sha256 || body: not kept */
            if (cache_len <= 32)
                r.bad = true;
        }
        if (r.bad || r.off != len)
            return -1;
        if (b->state_len) {
            cs->n_branches = 1;
            cs->active = 0;
            cs->committed = true;
        }
        return 0;
    }
    unsigned flags = rd_u8(&r), active = rd_u8(&r), n = rd_u8(&r);
    if (r.bad || n > SDES_CALL_MAX_BRANCHES || (active != 0xff && active >= n) || (flags & ~3u))
        return -1;
    cs->committed = (flags & 1u) != 0;
    cs->offer_from_b = (flags & 2u) != 0;
    cs->active = active == 0xff ? -1 : (int)active;
    if (cs->committed && cs->active < 0)
        return -1;
    for (unsigned i = 0; i < n; i++) {
        sdes_call_branch *b = &cs->br[i];
        rd_tag(&r, b->tag);
        rd_part(&r, &b->state, &b->state_len);
        rd_part(&r, &b->in, &b->in_len);
        rd_part(&r, &b->out, &b->out_len);
        if (!b->state_len)
            r.bad = true;
    }
    if (buf[2] == 3)
        rd_part(&r, &cs->policy, &cs->policy_len);
    if (r.bad || r.off != len)
        return -1;
    cs->n_branches = (int)n;
    return 0;
}

/* A bounds-checked writer. */
typedef struct wr {
    uint8_t *p;
    size_t cap, off;
    bool bad;
} wr;

static void wr_bytes(wr *w, const void *src, size_t n)
{
    if (w->bad || w->cap - w->off < n) {
        w->bad = true;
        return;
    }
    if (n)
        memcpy(w->p + w->off, src, n);
    w->off += n;
}

static void wr_u8(wr *w, unsigned v)
{
    uint8_t b = (uint8_t)v;
    wr_bytes(w, &b, 1);
}

static void wr_part(wr *w, const uint8_t *p, size_t n)
{
    if (n > 0xffff) {
        w->bad = true;
        return;
    }
    wr_u8(w, (unsigned)(n >> 8));
    wr_u8(w, (unsigned)n);
    wr_bytes(w, p, n);
}

static void wr_tag(wr *w, const char *tag)
{
    size_t n = strlen(tag);
    if (n > 255)
        n = 255;
    wr_u8(w, (unsigned)n);
    wr_bytes(w, tag, n);
}

size_t sdes_callstate_pack(const sdes_callstate *cs, uint8_t *buf, size_t cap)
{
    wr w = {buf, cap, 0, false};
    if (!cs || !buf || cs->n_branches < 0 || cs->n_branches > SDES_CALL_MAX_BRANCHES ||
        cs->active >= cs->n_branches || (cs->committed && cs->active < 0))
        return 0;
    wr_bytes(&w, "SK\x03", 3);
    wr_tag(&w, cs->offerer_tag);
    wr_part(&w, cs->offer, cs->offer_len);
    wr_u8(&w, (cs->committed ? 1u : 0u) | (cs->offer_from_b ? 2u : 0u));
    wr_u8(&w, cs->active < 0 ? 0xffu : (unsigned)cs->active);
    wr_u8(&w, (unsigned)cs->n_branches);
    for (int i = 0; i < cs->n_branches; i++) {
        const sdes_call_branch *b = &cs->br[i];
        if (!b->state_len)
            return 0;
        wr_tag(&w, b->tag);
        wr_part(&w, b->state, b->state_len);
        wr_part(&w, b->in, b->in_len);
        wr_part(&w, b->out, b->out_len);
    }
    wr_part(&w, cs->policy, cs->policy_len);
    return w.bad ? 0 : w.off;
}

int sdes_callstate_find(const sdes_callstate *cs, const char *tag)
{
    for (int i = 0; i < cs->n_branches; i++)
        if (cs->br[i].tag[0] == '\0' || strncmp(cs->br[i].tag, tag, SDES_CALL_TAG_MAX - 1) == 0)
            return i;
    return -1;
}

void sdes_callstate_remove(sdes_callstate *cs, int i)
{
    if (i < 0 || i >= cs->n_branches)
        return;
    memmove(&cs->br[i], &cs->br[i + 1], (size_t)(cs->n_branches - i - 1) * sizeof(cs->br[0]));
    cs->n_branches--;
    memset(&cs->br[cs->n_branches], 0, sizeof(cs->br[0]));
    if (cs->active == i) {
        cs->active = -1;
        cs->committed = false;
    } else if (cs->active > i) {
        cs->active--;
    }
}

int sdes_callstate_touch(sdes_callstate *cs, int i)
{
    if (i < 0 || i >= cs->n_branches)
        return i;
    sdes_call_branch b = cs->br[i];
    int last = cs->n_branches - 1;
    memmove(&cs->br[i], &cs->br[i + 1], (size_t)(last - i) * sizeof(cs->br[0]));
    cs->br[last] = b;
    if (cs->active == i)
        cs->active = last;
    else if (cs->active > i)
        cs->active--;
    return last;
}

int sdes_callstate_add(sdes_callstate *cs, const char *tag)
{
    if (cs->n_branches == SDES_CALL_MAX_BRANCHES) {
        int drop = 0;
        while (drop < cs->n_branches && drop == cs->active)
            drop++;
        if (drop >= cs->n_branches)
            return -1;
        sdes_callstate_remove(cs, drop);
    }
    sdes_call_branch *b = &cs->br[cs->n_branches];
    memset(b, 0, sizeof(*b));
    size_t n = strlen(tag);
    if (n > SDES_CALL_TAG_MAX - 1)
        n = SDES_CALL_TAG_MAX - 1;
    memcpy(b->tag, tag, n);
    b->tag[n] = '\0';
    return cs->n_branches++;
}

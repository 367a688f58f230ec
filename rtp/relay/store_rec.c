/*
 * rtp/relay/store_rec.c — the per-call copy of what the store needs
 * (store_rec.h): specs moved in from offer/answer/update, keys followed
 * through rekeys (the context's own key table, read on its worker, is the
 * truth: evicted and retired keys leave the copy), and the index marks.
 */
#include "relay/store_rec.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "relay/daemon.h"
#include "relay/store.h"

relay_crypto_spec *relay_rec_spec_dup(const relay_crypto_spec *sp)
{
    if (!relay_store_enabled())
        return NULL; /* no store: no copy of any key */
    relay_crypto_spec *c = malloc(sizeof(*c));
    if (c)
        *c = *sp;
    return c;
}

void relay_rec_spec_free(relay_crypto_spec **sp)
{
    if (*sp) {
        OPENSSL_cleanse(*sp, sizeof(**sp));
        free(*sp);
        *sp = NULL;
    }
}

static relay_rec_stream *relay_rec_stream_get(relay_call *call, int idx)
{
    if (idx < 0 || idx >= RELAY_MAX_STREAMS)
        return NULL;
    if (!call->rec) {
        call->rec = calloc(1, sizeof(*call->rec));
        if (!call->rec)
            return NULL;
    }
    if (!call->rec->st[idx])
        call->rec->st[idx] = calloc(1, sizeof(relay_rec_stream));
    return call->rec->st[idx];
}

void relay_rec_apply(relay_call *call, int idx, relay_leg_update *u)
{
    if (!relay_store_enabled())
        return; /* no store: no record, no copy (u holds no spec either) */
    relay_rec_stream *rs = relay_rec_stream_get(call, idx);
    for (int l = 0; l < 2; l++) {
        if (!rs) {
            relay_rec_spec_free(&u[l].spec[0]);
            relay_rec_spec_free(&u[l].spec[1]);
            continue;
        }
        relay_rec_leg *g = &rs->leg[l];
        if (u[l].has_addr) {
            g->has_peer = true;
            g->peer_rtp = u[l].rtp;
            g->peer_rtcp = u[l].has_mux && u[l].mux ? u[l].rtp : u[l].rtcp;
            g->peer_len = u[l].len;
        }
        for (int k = 0; k < 2; k++) {
            if (!u[l].spec[k])
                continue;
            relay_rec_dir *rd = &g->dir[k];
            OPENSSL_cleanse(&rd->spec, sizeof(rd->spec));
            rd->spec = *u[l].spec[k];
            rd->present = true;
            /* A new context: its streams start over. */
            memset(rd->marks, 0, sizeof(rd->marks));
            relay_rec_spec_free(&u[l].spec[k]);
        }
    }
}

/* The context's key table as MKIs, and its send key (on the worker). */
typedef struct relay_keys_job {
    const relay_stream *s;
    int leg;
    bool send;
    size_t n;
    uint8_t mki[SG_SRTP_MAX_KEYS][SG_SRTP_MAX_MKI_LEN];
    bool has_cur;
    uint8_t cur[SG_SRTP_MAX_MKI_LEN];
} relay_keys_job;

static void relay_job_keys(relay_worker *w, void *arg)
{
    (void)w;
    relay_keys_job *j = arg;
    const relay_leg *g = &j->s->leg[j->leg];
    const sg_srtp_ctx *ctx = j->send ? g->tx : g->rx;
    j->n = 0;
    for (size_t i = 0, n = sg_srtp_key_count(ctx); ctx && i < n; i++) {
        sg_srtp_key_info ki;
        if (sg_srtp_key_info_get(ctx, i, &ki) != SG_OK)
            continue;
        memcpy(j->mki[j->n++], ki.mki, sizeof(ki.mki));
        if (ki.current) {
            j->has_cur = true;
            memcpy(j->cur, ki.mki, sizeof(ki.mki));
        }
    }
}

void relay_rec_rekey(relay_daemon *d, relay_call *call, int stream, int leg, bool send,
                     const relay_key *add, size_t nadd)
{
    if (!relay_store_enabled() || relay_store_standby())
        return;
    relay_rec_stream *rs = relay_rec_stream_get(call, stream);
    relay_stream *s = stream >= 0 && stream < RELAY_MAX_STREAMS ? call->streams[stream] : NULL;
    if (!rs || !s)
        return;
    relay_rec_dir *rd = &rs->leg[leg].dir[send];
    relay_crypto_spec *sp = &rd->spec;
    uint8_t mlen = sp->params.mki_len;
    /* Added keys join at the end (newest last, as the context has them). */
    for (size_t i = 0; i < nadd; i++) {
        if (sp->nkeys == SG_SRTP_MAX_KEYS) {
            OPENSSL_cleanse(&sp->keys[0], sizeof(sp->keys[0]));
            memmove(&sp->keys[0], &sp->keys[1], sizeof(sp->keys[0]) * (SG_SRTP_MAX_KEYS - 1));
            sp->nkeys--;
        }
        sp->keys[sp->nkeys++] = add[i];
    }
    relay_keys_job j = {.s = s, .leg = leg, .send = send};
    relay_worker_run(d->workers[s->worker], relay_job_keys, &j);
    /* Keep only what the context still holds. */
    size_t out = 0;
    for (size_t i = 0; i < sp->nkeys; i++) {
        bool held = false;
        for (size_t k = 0; k < j.n && !held; k++)
            held = !memcmp(j.mki[k], sp->keys[i].mki, mlen);
        if (held) {
            if (out != i)
                sp->keys[out] = sp->keys[i];
            out++;
        }
    }
    for (size_t i = out; i < sp->nkeys; i++)
        OPENSSL_cleanse(&sp->keys[i], sizeof(sp->keys[i]));
    sp->nkeys = out;
    sp->has_use = send && j.has_cur && mlen;
    if (sp->has_use)
        memcpy(sp->use_mki, j.cur, sizeof(sp->use_mki));
    relay_store_put(d, call);
}

/* Index state of a stream's four contexts, read on its worker. */
typedef struct relay_marks_item {
    const relay_stream *s;
    relay_call *call;
    int index;
    size_t n[2][2];
    sg_srtp_stream_info info[2][2][RELAY_REC_SSRCS];
} relay_marks_item;

/* One job per worker reads every stream it owns (one round trip per
 * worker and tick, not one per stream: the control thread stays free). */
typedef struct relay_marks_job {
    relay_marks_item *items;
    size_t n;
    int worker;
} relay_marks_job;

static void relay_job_marks(relay_worker *w, void *arg)
{
    (void)w;
    relay_marks_job *j = arg;
    for (size_t x = 0; x < j->n; x++) {
        relay_marks_item *it = &j->items[x];
        if (it->s->worker != j->worker)
            continue;
        for (int l = 0; l < 2; l++)
            for (int k = 0; k < 2; k++) {
                const sg_srtp_ctx *ctx = k ? it->s->leg[l].tx : it->s->leg[l].rx;
                it->n[l][k] = 0;
                for (size_t i = 0, n = sg_srtp_stream_slots(ctx);
                     i < n && it->n[l][k] < RELAY_REC_SSRCS; i++)
                    if (sg_srtp_stream_info_get(ctx, i, &it->info[l][k][it->n[l][k]]))
                        it->n[l][k]++;
            }
    }
}

/* A send counter's mark (every index srtpd may have used is at or below
 * it): set 3 ticks of the counter's rate plus a floor ahead, and moved
 * once less than 2 ticks' worth is left. The write then has a whole tick
 * to land before the counter could reach the mark at the rate it has
 * (docs/ha.md "Index marks"). true when the mark moved. */
static bool relay_mark_send(bool had, uint64_t prev, uint64_t now, uint64_t *mark, uint64_t floor,
                            uint64_t max)
{
    /* A counter seen for the first time began within the last tick: from
     * prev (where it started) to now is one tick's worth. */
    uint64_t delta = now > prev ? now - prev : 0;
    if (had && *mark >= now && now + 2 * delta + floor / 2 < *mark)
        return false;
    uint64_t m = now + 3 * delta + floor;
    *mark = m > max ? max : m;
    return true;
}

/* One SSRC's new state: true when the record must be written. Receive
 * state is written every step; between writes it lags (docs/ha.md: what a
 * stale receive state allows). */
static bool relay_mark_advance(relay_rec_mark *m, const sg_srtp_stream_info *now, bool send,
                               uint32_t epoch)
{
    bool fresh = !m->used || m->now.ssrc != now->ssrc;
    bool moved = fresh;
    if (fresh) {
        memset(m, 0, sizeof(*m));
        m->used = true;
    }
    if (send) {
        /* Where a new stream's counters began: SRTP at a sequence number
         * the source picked (taken as one step back), SRTCP at srtpd's
         * floor for this life of the call (recover.c). */
        uint64_t base = (uint64_t)epoch << 20;
        uint64_t srtp_from = m->now.has_srtp ? m->now.srtp_index
                             : now->srtp_index > RELAY_STORE_SRTP_STEP
                                 ? now->srtp_index - RELAY_STORE_SRTP_STEP
                                 : 0;
        uint64_t srtcp_from = m->now.has_srtcp           ? m->now.srtcp_index
                              : now->srtcp_index >= base ? base
                                                         : 0;
        if (now->has_srtp &&
            relay_mark_send(m->now.has_srtp, srtp_from, now->srtp_index, &m->srtp_mark,
                            RELAY_STORE_SRTP_STEP, ((uint64_t)1 << 48) - 1))
            moved = true;
        uint64_t rm = m->srtcp_mark;
        if (now->has_srtcp && relay_mark_send(m->now.has_srtcp, srtcp_from, now->srtcp_index, &rm,
                                              RELAY_STORE_SRTCP_STEP, 0x7fffffffu))
            moved = true;
        m->srtcp_mark = (uint32_t)rm;
        m->now = *now; /* the rate is measured tick to tick */
        return moved;
    }
    if (now->has_srtp &&
        (!m->now.has_srtp || now->srtp_index >= m->now.srtp_index + RELAY_STORE_SRTP_STEP))
        moved = true;
    if (now->has_srtcp &&
        (!m->now.has_srtcp || now->srtcp_index >= m->now.srtcp_index + RELAY_STORE_SRTCP_STEP))
        moved = true;
    if (moved)
        m->now = *now;
    return moved;
}

/* One stream's new index state into its record; true when a mark moved. */
static bool relay_marks_apply(const relay_marks_item *it)
{
    relay_rec_stream *rs = it->call->rec ? it->call->rec->st[it->index] : NULL;
    bool moved = false;
    for (int l = 0; rs && l < 2; l++)
        for (int k = 0; k < 2; k++) {
            relay_rec_dir *rd = &rs->leg[l].dir[k];
            for (size_t n = 0; n < it->n[l][k]; n++) {
                relay_rec_mark *m = NULL;
                for (int q = 0; q < RELAY_REC_SSRCS && !m; q++)
                    if (rd->marks[q].used && rd->marks[q].now.ssrc == it->info[l][k][n].ssrc)
                        m = &rd->marks[q];
                for (int q = 0; q < RELAY_REC_SSRCS && !m; q++)
                    if (!rd->marks[q].used)
                        m = &rd->marks[q];
                if (m && relay_mark_advance(m, &it->info[l][k][n], k == 1, it->call->rec->epoch))
                    moved = true;
            }
        }
    return moved;
}

void relay_rec_marks_tick(relay_daemon *d, bool all, void (*put)(relay_daemon *, relay_call *))
{
    static relay_marks_item *items;
    static size_t cap;
    size_t n = 0;
    for (relay_call *c = d->calls; c; c = c->next)
        for (int i = 0; i < RELAY_MAX_STREAMS; i++)
            n += c->rec && c->rec->st[i] && c->streams[i];
    if (n > cap) {
        relay_marks_item *g = realloc(items, n * sizeof(*items));
        if (!g)
            return;
        items = g;
        cap = n;
    }
    n = 0;
    for (relay_call *c = d->calls; c; c = c->next)
        for (int i = 0; i < RELAY_MAX_STREAMS; i++)
            if (c->rec && c->rec->st[i] && c->streams[i])
                items[n++] = (relay_marks_item){.s = c->streams[i], .call = c, .index = i};
    for (int w = 0; w < d->nworkers && n; w++) {
        relay_marks_job j = {.items = items, .n = n, .worker = w};
        relay_worker_run(d->workers[w], relay_job_marks, &j);
    }
    /* Streams of one call are next to each other: one write per call. */
    for (size_t x = 0; x < n;) {
        relay_call *c = items[x].call;
        bool moved = false;
        for (; x < n && items[x].call == c; x++)
            moved |= relay_marks_apply(&items[x]);
        if (moved && !all)
            put(d, c);
    }
    if (all)
        for (relay_call *c = d->calls; c; c = c->next)
            put(d, c);
}

void relay_rec_free(relay_call *call)
{
    if (!call->rec)
        return;
    for (int i = 0; i < RELAY_MAX_STREAMS; i++)
        if (call->rec->st[i]) {
            OPENSSL_cleanse(call->rec->st[i], sizeof(relay_rec_stream));
            free(call->rec->st[i]);
        }
    free(call->rec);
    call->rec = NULL;
}

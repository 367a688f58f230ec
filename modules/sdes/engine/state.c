/*
 * modules/sdes/engine/state.c — the SDES engine's offer/answer state:
 * init, wipe and the compact pack/unpack the caller carries between
 * requests (sdes_engine.h).
 */
#include "engine_int.h"

#include <stddef.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* ---- state -------------------------------------------------------------- */

void sdes_state_init(sdes_state *st)
{
    memset(st, 0, offsetof(sdes_state, media));
    st->version = SDES_STATE_VERSION;
    st->next_mki = 1;
}

void sdes_state_wipe(sdes_state *st)
{
    if (st)
        OPENSSL_cleanse(st, sizeof *st);
}

static size_t used_media(const sdes_state *st)
{
    return st->n_media <= SDES_MAX_MEDIA ? st->n_media : SDES_MAX_MEDIA;
}

void sdes_state_clear(sdes_state *st)
{
    if (!st)
        return;
    OPENSSL_cleanse(st->media, used_media(st) * sizeof st->media[0]);
    OPENSSL_cleanse(st, offsetof(sdes_state, media));
}

void sdes_state_copy(sdes_state *dst, const sdes_state *src)
{
    if (dst == src)
        return;
    sdes_state_clear(dst);
    memcpy(dst, src, offsetof(sdes_state, media));
    memcpy(dst->media, src->media, used_media(src) * sizeof src->media[0]);
    dst->n_media = (uint8_t)used_media(src);
}

typedef struct wr {
    uint8_t *p;
    size_t cap, n;
    bool bad;
} wr;

static void w_bytes(wr *w, const void *d, size_t n)
{
    if (w->bad || w->n + n > w->cap) {
        w->bad = true;
        return;
    }
    memcpy(w->p + w->n, d, n);
    w->n += n;
}

static void w_u8(wr *w, uint8_t v)
{
    w_bytes(w, &v, 1);
}

static void w_u32(wr *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    w_bytes(w, b, 4);
}

static void w_u64(wr *w, uint64_t v)
{
    w_u32(w, (uint32_t)(v >> 32));
    w_u32(w, (uint32_t)v);
}

static void w_keyset(wr *w, const sdes_keyset *k)
{
    w_u8(w, k->srtp);
    if (!k->srtp)
        return;
    w_u8(w, (uint8_t)k->suite);
    w_u32(w, k->tag);
    w_u8(w, k->n_keys);
    for (size_t i = 0; i < k->n_keys; i++) {
        const sdes_key_param *kp = &k->keys[i];
        w_u8(w, kp->key_salt_len);
        w_bytes(w, kp->key_salt, kp->key_salt_len);
        w_u64(w, kp->lifetime);
        w_u8(w, kp->lifetime_exp);
        w_u8(w, kp->mki_len);
        w_bytes(w, kp->mki, kp->mki_len);
    }
    w_u8(w, k->kdr);
    w_u8(w,
         (uint8_t)(k->unencrypted_srtp | k->unencrypted_srtcp << 1 | k->unauthenticated_srtp << 2));
    w_u32(w, k->wsh);
}

size_t sdes_state_pack(const sdes_state *st, uint8_t *buf, size_t cap)
{
    wr w = {buf, cap, 0, false};
    w_u32(&w, st->version);
    w_u8(&w, st->mode);
    w_u8(&w, st->phase);
    w_u32(&w, st->next_mki);
    w_u8(&w, st->n_media);
    for (size_t i = 0; i < st->n_media && i < SDES_MAX_MEDIA; i++) {
        const sdes_state_media *m = &st->media[i];
        w_u8(&w, m->in_use);
        if (!m->in_use)
            continue;
        w_u8(&w, m->state);
        w_u8(&w, m->a_proto);
        w_u8(&w, m->b_proto);
        w_u8(&w, m->hold);
        w_u8(&w, m->a_rekey);
        w_bytes(&w, m->media, sizeof m->media);
        w_u8(&w, m->n_b_offer);
        for (size_t j = 0; j < m->n_b_offer && j < SDES_MAX_OFFER_LINES; j++)
            w_keyset(&w, &m->b_offer[j]);
        w_keyset(&w, &m->a_rx);
        w_keyset(&w, &m->a_tx);
        w_keyset(&w, &m->b_rx);
        w_keyset(&w, &m->b_tx);
    }
    if (w.bad) {
        OPENSSL_cleanse(buf, cap);
        return 0;
    }
    return w.n;
}

typedef struct rd {
    const uint8_t *p;
    size_t len, n;
    bool bad;
} rd;

static void r_bytes(rd *r, void *d, size_t n)
{
    if (r->bad || r->n + n > r->len) {
        r->bad = true;
        memset(d, 0, n);
        return;
    }
    memcpy(d, r->p + r->n, n);
    r->n += n;
}

static uint8_t r_u8(rd *r)
{
    uint8_t v;
    r_bytes(r, &v, 1);
    return v;
}

static uint32_t r_u32(rd *r)
{
    uint8_t b[4];
    r_bytes(r, b, 4);
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t r_u64(rd *r)
{
    uint64_t hi = r_u32(r);
    return hi << 32 | r_u32(r);
}

static void r_keyset(rd *r, sdes_keyset *k)
{
    memset(k, 0, sizeof *k);
    k->srtp = r_u8(r) != 0;
    if (!k->srtp)
        return;
    uint8_t suite = r_u8(r);
    const sg_suite *s = sg_suite_get((sg_suite_id)suite);
    k->tag = r_u32(r);
    k->n_keys = r_u8(r);
    if (!s || k->n_keys > SDES_MAX_DIR_KEYS || k->tag > SDES_CA_TAG_MAX) {
        r->bad = true;
        return;
    }
    k->suite = s->id;
    for (size_t i = 0; i < k->n_keys && !r->bad; i++) {
        sdes_key_param *kp = &k->keys[i];
        kp->key_salt_len = r_u8(r);
        if (kp->key_salt_len != s->key_len + s->salt_len) {
            r->bad = true;
            return;
        }
        r_bytes(r, kp->key_salt, kp->key_salt_len);
        kp->lifetime = r_u64(r);
        kp->lifetime_exp = r_u8(r);
        kp->mki_len = r_u8(r);
        if (kp->mki_len > SDES_CA_MAX_MKI_LEN || kp->lifetime_exp > 48) {
            r->bad = true;
            return;
        }
        r_bytes(r, kp->mki, kp->mki_len);
    }
    k->kdr = r_u8(r);
    uint8_t f = r_u8(r);
    k->unencrypted_srtp = f & 1;
    k->unencrypted_srtcp = (f >> 1) & 1;
    k->unauthenticated_srtp = (f >> 2) & 1;
    k->wsh = r_u32(r);
    if (k->kdr > 24 || f > 7)
        r->bad = true;
}

bool sdes_state_unpack(const uint8_t *buf, size_t len, sdes_state *st)
{
    rd r = {buf, len, 0, false};
    memset(st, 0, sizeof *st);
    st->version = r_u32(&r);
    st->mode = r_u8(&r);
    st->phase = r_u8(&r);
    st->next_mki = r_u32(&r);
    st->n_media = r_u8(&r);
    if (st->version != SDES_STATE_VERSION || st->mode > SDES_MODE_OSRTP || st->phase > 2 ||
        st->n_media > SDES_MAX_MEDIA)
        r.bad = true;
    for (size_t i = 0; i < st->n_media && !r.bad; i++) {
        sdes_state_media *m = &st->media[i];
        m->in_use = r_u8(&r);
        if (!m->in_use)
            continue;
        m->state = r_u8(&r);
        m->a_proto = r_u8(&r);
        m->b_proto = r_u8(&r);
        m->hold = r_u8(&r);
        m->a_rekey = r_u8(&r);
        r_bytes(&r, m->media, sizeof m->media);
        m->media[sizeof m->media - 1] = '\0';
        m->n_b_offer = r_u8(&r);
        if (m->n_b_offer > SDES_MAX_OFFER_LINES || m->state > SDES_MEDIA_PASSTHROUGH ||
            m->a_proto > SDES_PROTO_SAVPF || m->b_proto > SDES_PROTO_SAVPF || m->hold > 1 ||
            m->a_rekey > 1) {
            r.bad = true;
            break;
        }
        for (size_t j = 0; j < m->n_b_offer; j++)
            r_keyset(&r, &m->b_offer[j]);
        r_keyset(&r, &m->a_rx);
        r_keyset(&r, &m->a_tx);
        r_keyset(&r, &m->b_rx);
        r_keyset(&r, &m->b_tx);
    }
    if (r.bad || r.n != len) {
        sdes_state_wipe(st);
        return false;
    }
    return true;
}

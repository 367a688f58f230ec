/*
 * modules/sdes/engine/keyset.c — key sets of the SDES engine: fresh keys from
 * RAND_bytes (RFC 4568 §6.1 key-params with optional MKI and lifetime),
 * conversion to and from parsed a=crypto attributes, the offer/answer state
 * (init, wipe, compact pack/unpack), key masking for display, and the name
 * tables of modes and rejection codes.
 */
#include "engine_int.h"

#include <ctype.h>
#include <stddef.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- names -------------------------------------------------------------- */

static const struct {
    const char *text, *name;
} rej_tab[] = {
#define SDES_REJ_TAB_(n, num, t) [num] = {t, #n},
    SDES_REJ_MAP(SDES_REJ_TAB_)
#undef SDES_REJ_TAB_
};

const char *sdes_rej_str(sdes_rej r)
{
    if ((unsigned)r >= sizeof rej_tab / sizeof rej_tab[0] || !rej_tab[r].text)
        return "unknown rejection";
    return rej_tab[r].text;
}

const char *sdes_rej_name(sdes_rej r)
{
    if ((unsigned)r >= sizeof rej_tab / sizeof rej_tab[0] || !rej_tab[r].name)
        return "UNKNOWN";
    return rej_tab[r].name;
}

static const char *mode_names[] = {"encrypt", "decrypt", "rekey", "passthrough", "osrtp"};

int sdes_mode_from_name(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (name && strcmp(name, mode_names[i]) == 0)
            return i;
    return -1;
}

const char *sdes_mode_name(sdes_mode m)
{
    return (unsigned)m < 5 ? mode_names[m] : "?";
}

/* ---- key sets ----------------------------------------------------------- */

bool sdes_rand_take(sdes_rand_pool *pool, uint8_t *out, size_t n)
{
    if (n > sizeof pool->buf)
        return RAND_bytes(out, (int)n) == 1;
    if (pool->len - pool->used < n) {
        OPENSSL_cleanse(pool->buf, sizeof pool->buf);
        pool->used = pool->len = 0;
        if (RAND_bytes(pool->buf, (int)sizeof pool->buf) != 1)
            return false;
        pool->len = sizeof pool->buf;
    }
    memcpy(out, pool->buf + pool->used, n);
    /* Bytes handed out are erased from the pool at once. */
    OPENSSL_cleanse(pool->buf + pool->used, n);
    pool->used += n;
    return true;
}

void sdes_rand_wipe(sdes_rand_pool *pool)
{
    OPENSSL_cleanse(pool, sizeof *pool);
}

void sdes_keyset_wipe(sdes_keyset *k)
{
    size_t n = k->n_keys <= SDES_MAX_DIR_KEYS ? k->n_keys : SDES_MAX_DIR_KEYS;
    OPENSSL_cleanse(k->keys, n * sizeof k->keys[0]);
    memset(k, 0, sizeof *k);
}

void sdes_state_media_wipe(sdes_state_media *m)
{
    size_t n = m->n_b_offer <= SDES_MAX_OFFER_LINES ? m->n_b_offer : SDES_MAX_OFFER_LINES;
    for (size_t i = 0; i < n; i++)
        sdes_keyset_wipe(&m->b_offer[i]);
    sdes_keyset_wipe(&m->a_rx);
    sdes_keyset_wipe(&m->a_tx);
    sdes_keyset_wipe(&m->b_rx);
    sdes_keyset_wipe(&m->b_tx);
    memset(m, 0, sizeof *m);
}

bool sdes_keyset_generate(const sdes_policy *p, const sg_suite *suite, uint32_t tag, bool mki,
                          uint32_t *next_mki, sdes_rand_pool *pool, sdes_keyset *out)
{
    memset(out, 0, sizeof *out);
    out->srtp = true;
    out->suite = suite->id;
    out->tag = tag;
    mki = mki && p->gen_mki_len;
    out->n_keys = mki && p->gen_keys ? p->gen_keys : 1;
    uint64_t life = p->gen_lifetime;
    uint8_t exp = p->gen_lifetime_exp;
    if (p->max_lifetime && (!life || life > p->max_lifetime)) {
        /* A capped policy states the cap on its own keys (RFC 4568 §6.1). */
        life = p->max_lifetime;
        exp = 0;
        for (uint8_t e = 1; e < 64; e++)
            if (life == UINT64_C(1) << e)
                exp = e;
    }
    for (size_t i = 0; i < out->n_keys; i++) {
        sdes_key_param *k = &out->keys[i];
        k->key_salt_len = (uint8_t)(suite->key_len + suite->salt_len);
        if (!sdes_rand_take(pool, k->key_salt, k->key_salt_len)) {
            OPENSSL_cleanse(out, sizeof *out);
            return false;
        }
        k->lifetime = life;
        k->lifetime_exp = exp;
        if (mki) {
            uint64_t lim = UINT64_C(1) << (8 * p->gen_mki_len);
            if (*next_mki == 0 || *next_mki >= lim)
                *next_mki = 1; /* MKI 0 is avoided: some peers treat it as none */
            uint32_t v = (*next_mki)++;
            k->mki_len = p->gen_mki_len;
            for (int b = p->gen_mki_len - 1; b >= 0; b--) {
                k->mki[b] = (uint8_t)v;
                v >>= 8;
            }
        }
    }
    return true;
}

void sdes_keyset_from_attr(const sdes_crypto_attr *a, sdes_keyset *out)
{
    memset(out, 0, sizeof *out);
    out->srtp = true;
    out->suite = a->suite->id;
    out->tag = a->tag;
    out->n_keys = a->n_keys > SDES_MAX_DIR_KEYS ? SDES_MAX_DIR_KEYS : a->n_keys;
    memcpy(out->keys, a->keys, out->n_keys * sizeof out->keys[0]);
    out->kdr = a->has_kdr ? a->kdr : 0;
    out->unencrypted_srtp = a->unencrypted_srtp;
    out->unencrypted_srtcp = a->unencrypted_srtcp;
    out->unauthenticated_srtp = a->unauthenticated_srtp;
    /* WSH is a hint (RFC 4568 §6.3.7) with no upper bound; the keyset is
     * one sg_srtp context's parameters, whose window stops at
     * SG_SRTP_MAX_WINDOW, so a larger hint must not fail the call. */
    out->wsh = a->wsh > SG_SRTP_MAX_WINDOW ? SG_SRTP_MAX_WINDOW : a->wsh;
}

bool sdes_keyset_format(const sdes_keyset *k, char *buf, size_t cap, size_t *len)
{
    sdes_crypto_attr a;
    memset(&a, 0, sizeof a); /* plain memset: no key in it yet */
    a.tag = k->tag;
    a.has_tag = true;
    a.suite = sg_suite_get(k->suite);
    if (!a.suite)
        return false;
    memcpy(a.suite_name, a.suite->name, strlen(a.suite->name) + 1);
    a.n_keys = k->n_keys <= SDES_MAX_DIR_KEYS ? k->n_keys : SDES_MAX_DIR_KEYS;
    memcpy(a.keys, k->keys, a.n_keys * sizeof k->keys[0]);
    a.has_kdr = k->kdr != 0;
    a.kdr = k->kdr;
    a.unencrypted_srtp = k->unencrypted_srtp;
    a.unencrypted_srtcp = k->unencrypted_srtcp;
    a.unauthenticated_srtp = k->unauthenticated_srtp;
    a.wsh = k->wsh;
    sdes_ca_status st = sdes_crypto_attr_format(&a, SDES_CA_FMT_PREFIX, buf, cap, len);
    sdes_crypto_attr_wipe(&a);
    return st == SDES_CA_OK;
}

void sdes_result_free(sdes_result *r)
{
    if (!r)
        return;
    if (r->body) {
        OPENSSL_cleanse(r->body, r->body_len);
        free(r->body);
    }
    /* Only [0, n_media) was written (sdes_engine.h); wiping the rest too
     * would cost more than the whole rewrite. */
    size_t n = r->n_media > 0 && r->n_media <= SDES_MAX_MEDIA ? (size_t)r->n_media : 0;
    for (size_t i = 0; i < n; i++) {
        sdes_keyset_wipe(&r->media[i].a_rx);
        sdes_keyset_wipe(&r->media[i].a_tx);
        sdes_keyset_wipe(&r->media[i].b_rx);
        sdes_keyset_wipe(&r->media[i].b_tx);
    }
    memset(r->media, 0, n * sizeof r->media[0]);
    OPENSSL_cleanse(r, offsetof(sdes_result, media));
}

/* ---- masking ------------------------------------------------------------ */

/* Every "inline:" followed by base64 gets its base64 replaced by '*'. */
char *sdes_mask_keys(const char *body, size_t len)
{
    char *o = malloc(len + 1);
    if (!o)
        return NULL;
    memcpy(o, body, len);
    o[len] = '\0';
    for (size_t i = 0; i + 7 <= len; i++) {
        if (strncasecmp(o + i, "inline:", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < len && (isalnum((unsigned char)o[j]) || o[j] == '+' || o[j] == '/' ||
                           o[j] == '='))
            o[j++] = '*';
        i = j - 1;
    }
    return o;
}

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
    w_u8(w, (uint8_t)(k->unencrypted_srtp | k->unencrypted_srtcp << 1 |
                      k->unauthenticated_srtp << 2));
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

/*
 * modules/sdes/engine/keyset.c — key sets of the SDES engine: fresh keys from
 * RAND_bytes (RFC 4568 §6.1 key-params with optional MKI and lifetime),
 * conversion to and from parsed a=crypto attributes, wiping key sets and
 * results. The names are in names.c, the state's pack/unpack in state.c.
 */
#include "engine_int.h"

#include <stddef.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

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

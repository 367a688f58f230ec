/*
 * rtp/relay/store_decode.c — reading a call's record back (the layout in
 * store_codec.c): the envelope, the key by its id, the sealed part opened
 * with the clear part as associated data, then both parts checked field by
 * field. Anything missing, out of range or inconsistent refuses the whole
 * record; srtpd then skips that call and logs why (never a key).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/bencode.h"
#include "relay/store_codec.h"
#include "srtp/suite.h"

static bool relay_open_gcm(const uint8_t key[32], const uint8_t *nonce, const void *aad,
                           size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
    if (len < 16)
        return false;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
              EVP_DecryptUpdate(c, NULL, &n, aad, (int)aad_len) == 1 &&
              EVP_DecryptUpdate(c, out, &n, in, (int)(len - 16)) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, (void *)(in + len - 16)) == 1 &&
              EVP_DecryptFinal_ex(c, out + n, &n) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

static bool relay_get_u(const ctl_be_doc *doc, const ctl_be *d, const char *k, int64_t max,
                        int64_t *out)
{
    return ctl_be_get_int(doc, d, k, out) && *out >= 0 && *out <= max;
}

static bool relay_dec_peer(const ctl_be_doc *doc, const ctl_be *l, relay_rec_leg *rl)
{
    char ip[64];
    int64_t p1, p2;
    if (!ctl_be_get(doc, l, "peer"))
        return true;
    if (!ctl_be_get_cstr(doc, l, "peer", ip, sizeof(ip)) ||
        !relay_get_u(doc, l, "peer-port", 65535, &p1) ||
        !relay_get_u(doc, l, "peer-rtcp-port", 65535, &p2))
        return false;
    struct sockaddr_in *a4 = (struct sockaddr_in *)&rl->peer_rtp;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&rl->peer_rtp;
    memset(&rl->peer_rtp, 0, sizeof(rl->peer_rtp));
    if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p1);
        rl->peer_len = sizeof(*a4);
        rl->peer_rtcp = rl->peer_rtp;
        ((struct sockaddr_in *)&rl->peer_rtcp)->sin_port = htons((uint16_t)p2);
    } else if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p1);
        rl->peer_len = sizeof(*a6);
        rl->peer_rtcp = rl->peer_rtp;
        ((struct sockaddr_in6 *)&rl->peer_rtcp)->sin6_port = htons((uint16_t)p2);
    } else {
        return false;
    }
    rl->has_peer = true;
    return true;
}

static bool relay_dec_dir(const ctl_be_doc *doc, const ctl_be *c, relay_rec_dir *rd)
{
    const char *name;
    size_t nlen, ul;
    int64_t v, flags;
    relay_crypto_spec *sp = &rd->spec;
    sg_srtp_params *p = &sp->params;
    if (!ctl_be_get_str(doc, c, "suite", &name, &nlen) ||
        !(sp->suite = sg_suite_by_name(name, nlen)) ||
        !relay_get_u(doc, c, "mki-len", SG_SRTP_MAX_MKI_LEN, &v))
        return false;
    p->mki_len = (uint8_t)v;
    if (!relay_get_u(doc, c, "kdr", 24, &v))
        return false;
    p->kdr = (uint8_t)v;
    if (!relay_get_u(doc, c, "window", 65535, &v))
        return false;
    p->replay_window = (uint16_t)v;
    if (!relay_get_u(doc, c, "ssrcs", 65535, &v))
        return false;
    p->max_ssrcs = (uint16_t)v;
    if (!relay_get_u(doc, c, "soft-limit", INT64_MAX, &v))
        return false;
    p->soft_limit = (uint64_t)v;
    if (!relay_get_u(doc, c, "flags", 31, &flags))
        return false;
    p->unencrypted_srtp = flags & 1;
    p->unencrypted_srtcp = flags >> 1 & 1;
    p->unauthenticated_srtp = flags >> 2 & 1;
    p->roc_policy = flags >> 3 & 1 ? SG_ROC_RESET : SG_ROC_KEEP;
    p->evict_lru = flags >> 4 & 1;
    const char *use;
    if (ctl_be_get_str(doc, c, "use", &use, &ul)) {
        if (ul != p->mki_len)
            return false;
        memcpy(sp->use_mki, use, ul);
        sp->has_use = true;
    }
    const ctl_be *ml = ctl_be_get(doc, c, "marks");
    if (!ml || ml->type != CTL_BE_LIST || ml->len > RELAY_REC_SSRCS)
        return false;
    int q = 0;
    for (const ctl_be *m = ctl_be_first(doc, ml); m; m = ctl_be_next(doc, m), q++) {
        relay_rec_mark *mk = &rd->marks[q];
        if (!relay_get_u(doc, m, "ssrc", UINT32_MAX, &v))
            return false;
        mk->used = true;
        mk->now.ssrc = (uint32_t)v;
        if (ctl_be_get(doc, m, "srtp")) {
            int64_t mark;
            if (!relay_get_u(doc, m, "srtp", ((int64_t)1 << 48) - 1, &v))
                return false;
            /* A send direction's mark; a receive direction has none. */
            if (!ctl_be_get(doc, m, "srtp-mark"))
                mark = v;
            else if (!relay_get_u(doc, m, "srtp-mark", ((int64_t)1 << 48) - 1, &mark) || mark < v)
                return false;
            mk->now.has_srtp = true;
            mk->now.srtp_index = (uint64_t)v;
            mk->srtp_mark = (uint64_t)mark;
        }
        if (ctl_be_get(doc, m, "srtcp")) {
            int64_t mark;
            if (!relay_get_u(doc, m, "srtcp", 0x7fffffff, &v))
                return false;
            if (!ctl_be_get(doc, m, "srtcp-mark"))
                mark = v;
            else if (!relay_get_u(doc, m, "srtcp-mark", INT64_MAX, &mark) || mark < v)
                return false;
            mk->now.has_srtcp = true;
            mk->now.srtcp_index = (uint32_t)v;
            mk->srtcp_mark = mark > 0x7fffffff ? 0x7fffffff : (uint32_t)mark;
        }
        const char *km;
        size_t kl;
        if (ctl_be_get_str(doc, m, "key-mki", &km, &kl)) {
            if (kl != p->mki_len)
                return false;
            memcpy(mk->now.key_mki, km, kl);
            mk->now.has_key = true;
        }
    }
    rd->present = true;
    return true;
}

static bool relay_dec_clear(const ctl_be_doc *doc, const ctl_be *c, relay_call_img *img)
{
    int64_t v;
    if (!ctl_be_get_cstr(doc, c, "id", img->id, sizeof(img->id)) || !img->id[0] ||
        !relay_get_u(doc, c, "version", INT64_MAX, &v))
        return false;
    img->version = (uint64_t)v;
    if (!relay_get_u(doc, c, "epoch", RELAY_STORE_EPOCH_MAX, &v))
        return false;
    img->rec.epoch = (uint32_t)v;
    if (!relay_get_u(doc, c, "created", INT64_MAX, &img->created_unix_ms))
        return false;
    const ctl_be *sl = ctl_be_get(doc, c, "streams");
    if (!sl || sl->type != CTL_BE_LIST || sl->len > RELAY_MAX_STREAMS)
        return false;
    static const char *dn[2] = {"recv", "send"};
    for (const ctl_be *s = ctl_be_first(doc, sl); s; s = ctl_be_next(doc, s)) {
        if (!relay_get_u(doc, s, "index", RELAY_MAX_STREAMS - 1, &v) || img->present[v])
            return false;
        int i = (int)v;
        img->present[i] = true;
        if (!(img->rec.st[i] = calloc(1, sizeof(relay_rec_stream))))
            return false;
        for (int l = 0; l < 2; l++) {
            const ctl_be *lg = ctl_be_get(doc, s, l ? "b" : "a");
            relay_img_leg *il = &img->leg[i][l];
            int64_t fam, port, rtcp_port, srtp, mux, strict;
            if (!lg || !relay_get_u(doc, lg, "family", 6, &fam) || (fam != 4 && fam != 6) ||
                !relay_get_u(doc, lg, "port", 65535, &port) || port < 1 ||
                !relay_get_u(doc, lg, "srtp", 1, &srtp) || !relay_get_u(doc, lg, "mux", 1, &mux) ||
                !relay_get_u(doc, lg, "strict", 1, &strict))
                return false;
            il->family = fam == 6 ? AF_INET6 : AF_INET;
            if (ctl_be_get(doc, lg, "interface") &&
                !ctl_be_get_cstr(doc, lg, "interface", il->iface, sizeof(il->iface)))
                return false;
            il->port = (uint16_t)port;
            /* Absent in records of a relay without one-port legs: the
             * pair's odd port above. */
            if (!ctl_be_get(doc, lg, "rtcp-port"))
                rtcp_port = port + 1;
            else if (!relay_get_u(doc, lg, "rtcp-port", 65535, &rtcp_port) || rtcp_port == port)
                return false;
            il->rtcp_port = (uint16_t)rtcp_port;
            il->srtp = srtp;
            il->mux = mux;
            il->strict = strict;
            if (!relay_dec_peer(doc, lg, &img->rec.st[i]->leg[l]))
                return false;
            for (int k = 0; k < 2; k++) {
                const ctl_be *dd = ctl_be_get(doc, lg, dn[k]);
                if (dd && !relay_dec_dir(doc, dd, &img->rec.st[i]->leg[l].dir[k]))
                    return false;
            }
        }
    }
    return true;
}

static bool relay_dec_secret(const ctl_be_doc *doc, const ctl_be *c, relay_call_img *img)
{
    const ctl_be *kl = ctl_be_get(doc, c, "keys");
    if (!kl || kl->type != CTL_BE_LIST)
        return false;
    for (const ctl_be *e = ctl_be_first(doc, kl); e; e = ctl_be_next(doc, e)) {
        int64_t s, l, d;
        if (!relay_get_u(doc, e, "s", RELAY_MAX_STREAMS - 1, &s) || !img->rec.st[s] ||
            !relay_get_u(doc, e, "l", 1, &l) || !relay_get_u(doc, e, "d", 1, &d))
            return false;
        relay_rec_dir *rd = &img->rec.st[s]->leg[l].dir[d];
        relay_crypto_spec *sp = &rd->spec;
        const ctl_be *ks = ctl_be_get(doc, e, "k");
        if (!rd->present || !ks || ks->type != CTL_BE_LIST || ks->len > SG_SRTP_MAX_KEYS ||
            sp->nkeys)
            return false;
        for (const ctl_be *k = ctl_be_first(doc, ks); k; k = ctl_be_next(doc, k)) {
            const char *key, *salt, *mki;
            size_t a, b, m;
            int64_t life;
            relay_key *rk = &sp->keys[sp->nkeys];
            if (!ctl_be_get_str(doc, k, "key", &key, &a) || a != sp->suite->key_len ||
                !ctl_be_get_str(doc, k, "salt", &salt, &b) || b != sp->suite->salt_len ||
                !ctl_be_get_str(doc, k, "mki", &mki, &m) || m != sp->params.mki_len ||
                !relay_get_u(doc, k, "life", INT64_MAX, &life))
                return false;
            memcpy(rk->master_key, key, a);
            memcpy(rk->master_salt, salt, b);
            memcpy(rk->mki, mki, m);
            rk->lifetime = (uint64_t)life;
            sp->nkeys++;
        }
    }
    const char *st;
    size_t sl;
    if (ctl_be_get_str(doc, c, "state", &st, &sl) && sl) {
        if (sl > RELAY_SDES_STATE_MAX || !(img->state = malloc(sl)))
            return false;
        memcpy(img->state, st, sl);
        img->state_len = sl;
    }
    return true;
}

bool relay_store_decode(const relay_store_keys *k, const char *buf, size_t len, relay_call_img *img,
                        char *why, size_t whylen)
{
    memset(img, 0, sizeof(*img));
    ctl_be_doc *doc = malloc(sizeof(*doc));
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    bool ok = false;
    const char *clear, *nonce, *sealed;
    size_t cl, nl, sl;
    int64_t v = 0, kid = 0;
    const ctl_be *r = doc && len <= RELAY_STORE_REC_MAX ? ctl_be_decode(doc, buf, len) : NULL;
    if (!r || r->type != CTL_BE_DICT) {
        snprintf(why, whylen, "not a call record");
        goto out;
    }
    if (!ctl_be_get_int(doc, r, "v", &v) || v != RELAY_STORE_FORMAT) {
        snprintf(why, whylen, "record format %lld, want %d", (long long)v, RELAY_STORE_FORMAT);
        goto out;
    }
    if (!ctl_be_get_int(doc, r, "kid", &kid) || !ctl_be_get_str(doc, r, "clear", &clear, &cl) ||
        !ctl_be_get_str(doc, r, "nonce", &nonce, &nl) || nl != 12 ||
        !ctl_be_get_str(doc, r, "sealed", &sealed, &sl) || sl < 16) {
        snprintf(why, whylen, "record fields missing");
        goto out;
    }
    const uint8_t *key = kid == (int64_t)k->cur_id                   ? k->cur
                         : k->has_prev && kid == (int64_t)k->prev_id ? k->prev
                                                                     : NULL;
    if (!key) {
        snprintf(why, whylen, "sealed under another secret (key id %08llx)", (long long)kid);
        goto out;
    }
    plain_len = sl - 16;
    plain = malloc(plain_len ? plain_len : 1);
    if (!plain || !relay_open_gcm(key, (const uint8_t *)nonce, clear, cl, (const uint8_t *)sealed,
                                  sl, plain)) {
        snprintf(why, whylen, "does not open (altered, or another secret)");
        goto out;
    }
    /* Both parts decoded in turn with the one document: the clear part
     * first (strings point into the record), then the secret one. */
    const ctl_be *c = ctl_be_decode(doc, clear, cl);
    if (!c || c->type != CTL_BE_DICT || !relay_dec_clear(doc, c, img)) {
        snprintf(why, whylen, "clear part inconsistent");
        goto out;
    }
    const ctl_be *s = ctl_be_decode(doc, (const char *)plain, plain_len);
    if (!s || s->type != CTL_BE_DICT || !relay_dec_secret(doc, s, img)) {
        snprintf(why, whylen, "sealed part inconsistent");
        goto out;
    }
    ok = true;
out:
    if (plain) {
        OPENSSL_cleanse(plain, plain_len);
        free(plain);
    }
    if (doc) {
        OPENSSL_cleanse(doc, sizeof(*doc)); /* nodes pointed at key bytes */
        free(doc);
    }
    if (!ok)
        relay_call_img_free(img);
    return ok;
}

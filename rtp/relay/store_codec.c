/*
 * rtp/relay/store_codec.c — the store's record format and its sealing
 * (store_codec.h). Layout (docs/ha.md):
 *
 *   d 5:clear <bencode dict C> 3:kid i<key id>e 5:nonce <12 bytes>
 *     6:sealed <AES-256-GCM(S) || 16-byte tag> 1:v i1e e
 *
 * C = d id, version, created, streams: [d index, a: LEG, b: LEG] e;
 * LEG = family, port, srtp, mux, strict, [peer, peer-port, peer-rtcp-port],
 * [recv|send: d suite, mki-len, kdr, window, soft-limit, ssrcs, flags,
 * [use], marks: [d ssrc, srtp?, srtcp?, srtp-mark?, srtcp-mark?, key-mki?]] e;
 * S = d keys: [d s, l, d, k: [d key, salt, mki, life]], state e.
 * The associated data is C's bytes exactly: nothing in clear can change
 * without the record failing to open.
 */
#include "relay/store_codec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/bencode.h"
#include "srtp/suite.h"

static bool relay_hkdf(const char *secret, size_t len, const char *info, uint8_t *out, size_t n)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    if (!kc)
        return false;
    static const char salt[] = "sdesgate relay store v1";
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, sizeof(salt) - 1),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info)),
        OSSL_PARAM_construct_end(),
    };
    bool ok = EVP_KDF_derive(kc, out, n, p) == 1;
    EVP_KDF_CTX_free(kc);
    return ok;
}

static bool relay_key_pair(const char *s, size_t len, uint8_t key[32], uint32_t *id)
{
    uint8_t idb[4];
    if (!relay_hkdf(s, len, "call record key", key, 32) ||
        !relay_hkdf(s, len, "call record key id", idb, 4))
        return false;
    *id = (uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 | (uint32_t)idb[2] << 8 | idb[3];
    return true;
}

bool relay_store_keys_init(relay_store_keys *k, const char *cur, size_t cur_len, const char *prev,
                           size_t prev_len)
{
    memset(k, 0, sizeof(*k));
    if (!relay_key_pair(cur, cur_len, k->cur, &k->cur_id))
        return false;
    if (prev && prev_len) {
        if (!relay_key_pair(prev, prev_len, k->prev, &k->prev_id))
            return false;
        k->has_prev = true;
    }
    return true;
}

void relay_store_keys_wipe(relay_store_keys *k)
{
    OPENSSL_cleanse(k, sizeof(*k));
}

/* AES-256-GCM: out = ct || tag (len + 16 bytes). */
static bool relay_seal(const uint8_t key[32], const uint8_t nonce[12], const void *aad,
                       size_t aad_len, const uint8_t *in, size_t len, uint8_t *out)
{
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0;
    bool ok = c && EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
              EVP_EncryptUpdate(c, NULL, &n, aad, (int)aad_len) == 1 &&
              EVP_EncryptUpdate(c, out, &n, in, (int)len) == 1 &&
              EVP_EncryptFinal_ex(c, out + n, &n) == 1 &&
              EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + len) == 1;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

/* The relay's media interfaces: a leg's interface is recorded by name
 * (relay/iface.h), so a relay with the same names rebuilds it there. */
static const relay_ifaces *relay_if;

void relay_store_codec_interfaces(const relay_ifaces *ifs)
{
    relay_if = ifs;
}

static const char *relay_if_name(const relay_leg *g)
{
    return relay_if && g->iface >= 0 && g->iface < relay_if->n ? relay_if->list[g->iface].name : "";
}

static void relay_enc_addr(ctl_benc *w, const struct sockaddr_storage *rtp,
                           const struct sockaddr_storage *rtcp)
{
    char ip[INET6_ADDRSTRLEN] = "";
    uint16_t p1, p2;
    if (rtp->ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)rtp)->sin6_addr, ip, sizeof(ip));
        p1 = ntohs(((const struct sockaddr_in6 *)rtp)->sin6_port);
        p2 = ntohs(((const struct sockaddr_in6 *)rtcp)->sin6_port);
    } else {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)rtp)->sin_addr, ip, sizeof(ip));
        p1 = ntohs(((const struct sockaddr_in *)rtp)->sin_port);
        p2 = ntohs(((const struct sockaddr_in *)rtcp)->sin_port);
    }
    ctl_benc_kv_cstr(w, "peer", ip);
    ctl_benc_kv_int(w, "peer-port", p1);
    ctl_benc_kv_int(w, "peer-rtcp-port", p2);
}

static void relay_enc_dir(ctl_benc *w, const char *name, const relay_rec_dir *rd, bool send)
{
    const relay_crypto_spec *sp = &rd->spec;
    const sg_srtp_params *p = &sp->params;
    ctl_benc_cstr(w, name);
    ctl_benc_dict(w);
    int flags = p->unencrypted_srtp | p->unencrypted_srtcp << 1 | p->unauthenticated_srtp << 2 |
                (p->roc_policy == SG_ROC_RESET) << 3 | p->evict_lru << 4;
    ctl_benc_kv_int(w, "flags", flags);
    ctl_benc_kv_int(w, "kdr", p->kdr);
    ctl_benc_cstr(w, "marks");
    ctl_benc_list(w);
    for (int q = 0; q < RELAY_REC_SSRCS; q++) {
        const relay_rec_mark *m = &rd->marks[q];
        if (!m->used)
            continue;
        ctl_benc_dict(w);
        if (m->now.has_key)
            ctl_benc_kv_str(w, "key-mki", m->now.key_mki, p->mki_len);
        if (m->now.has_srtcp) {
            ctl_benc_kv_int(w, "srtcp", m->now.srtcp_index);
            if (send)
                ctl_benc_kv_int(w, "srtcp-mark", m->srtcp_mark);
        }
        if (m->now.has_srtp) {
            ctl_benc_kv_int(w, "srtp", (int64_t)m->now.srtp_index);
            if (send)
                ctl_benc_kv_int(w, "srtp-mark", (int64_t)m->srtp_mark);
        }
        ctl_benc_kv_int(w, "ssrc", m->now.ssrc);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "mki-len", p->mki_len);
    ctl_benc_kv_int(w, "soft-limit", (int64_t)p->soft_limit);
    ctl_benc_kv_int(w, "ssrcs", p->max_ssrcs);
    ctl_benc_kv_cstr(w, "suite", sp->suite ? sp->suite->name : "");
    if (sp->has_use)
        ctl_benc_kv_str(w, "use", sp->use_mki, p->mki_len);
    ctl_benc_kv_int(w, "window", p->replay_window);
    ctl_benc_end(w);
}

/* The clear part C. */
static void relay_enc_clear(ctl_benc *w, const relay_call *call, int64_t created)
{
    static const char *dn[2] = {"recv", "send"};
    ctl_benc_dict(w);
    ctl_benc_kv_int(w, "created", created);
    ctl_benc_kv_int(w, "epoch", call->rec ? call->rec->epoch : 0);
    ctl_benc_kv_cstr(w, "id", call->id);
    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
    for (int i = 0; i < RELAY_MAX_STREAMS; i++) {
        const relay_stream *s = call->streams[i];
        const relay_rec_stream *rs = call->rec ? call->rec->st[i] : NULL;
        if (!s)
            continue;
        ctl_benc_dict(w);
        for (int l = 0; l < 2; l++) {
            const relay_leg *g = &s->leg[l];
            ctl_benc_cstr(w, l ? "b" : "a");
            ctl_benc_dict(w);
            ctl_benc_kv_int(w, "family", g->family == AF_INET6 ? 6 : 4);
            ctl_benc_kv_cstr(w, "interface", relay_if_name(g));
            ctl_benc_kv_int(w, "mux", g->rtcp_mux);
            const relay_rec_leg *rl = rs ? &rs->leg[l] : NULL;
            if (rl && rl->has_peer)
                relay_enc_addr(w, &rl->peer_rtp, &rl->peer_rtcp);
            ctl_benc_kv_int(w, "port", g->rtp.port);
            /* A leg's own RTCP port (0: one port, rtcp-mux; ports.h). */
            ctl_benc_kv_int(w, "rtcp-port", g->rtcp.fd >= 0 ? g->rtcp.port : 0);
            for (int k = 0; k < 2; k++)
                if (rl && rl->dir[k].present)
                    relay_enc_dir(w, dn[k], &rl->dir[k], k == 1);
            ctl_benc_kv_int(w, "srtp", g->srtp);
            ctl_benc_kv_int(w, "strict", g->strict_source);
            ctl_benc_end(w);
        }
        ctl_benc_kv_int(w, "index", i);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "version", (int64_t)(call->rec ? call->rec->version : 0));
    ctl_benc_end(w);
}

/* The secret part S. */
static void relay_enc_secret(ctl_benc *w, const relay_call *call)
{
    ctl_benc_dict(w);
    ctl_benc_cstr(w, "keys");
    ctl_benc_list(w);
    for (int i = 0; i < RELAY_MAX_STREAMS && call->rec; i++) {
        const relay_rec_stream *rs = call->rec->st[i];
        if (!rs || !call->streams[i])
            continue;
        for (int l = 0; l < 2; l++)
            for (int k = 0; k < 2; k++) {
                const relay_rec_dir *rd = &rs->leg[l].dir[k];
                if (!rd->present || !rd->spec.suite)
                    continue;
                const relay_crypto_spec *sp = &rd->spec;
                ctl_benc_dict(w);
                ctl_benc_kv_int(w, "d", k);
                ctl_benc_cstr(w, "k");
                ctl_benc_list(w);
                for (size_t n = 0; n < sp->nkeys; n++) {
                    ctl_benc_dict(w);
                    ctl_benc_kv_str(w, "key", sp->keys[n].master_key, sp->suite->key_len);
                    ctl_benc_kv_int(w, "life", (int64_t)sp->keys[n].lifetime);
                    ctl_benc_kv_str(w, "mki", sp->keys[n].mki, sp->params.mki_len);
                    ctl_benc_kv_str(w, "salt", sp->keys[n].master_salt, sp->suite->salt_len);
                    ctl_benc_end(w);
                }
                ctl_benc_end(w);
                ctl_benc_kv_int(w, "l", l);
                ctl_benc_kv_int(w, "s", i);
                ctl_benc_end(w);
            }
    }
    ctl_benc_end(w);
    if (call->sdes_state)
        ctl_benc_kv_str(w, "state", call->sdes_state, call->sdes_state_len);
    ctl_benc_end(w);
}

size_t relay_store_encode(const relay_store_keys *k, const relay_call *call, int64_t created,
                          char *out, size_t cap)
{
    /* Working buffers, allocated once: encoding runs on the control
     * thread only, and a fresh 128 KiB allocation per record (an mmap
     * each) cost more than the whole encoding. */
    static char *clear, *secret;
    static uint8_t *sealed;
    size_t half = RELAY_STORE_REC_MAX / 2;
    if (!clear && !(clear = malloc(half)))
        return 0;
    if (!secret && !(secret = malloc(half)))
        return 0;
    if (!sealed && !(sealed = malloc(half + 16)))
        return 0;
    size_t len = 0;
    ctl_benc wc, ws, w;
    ctl_benc_init(&wc, clear, half);
    relay_enc_clear(&wc, call, created);
    ctl_benc_init(&ws, secret, half);
    relay_enc_secret(&ws, call);
    uint8_t nonce[12];
    if (ctl_benc_ok(&wc) && ctl_benc_ok(&ws) && RAND_bytes(nonce, sizeof(nonce)) == 1 &&
        relay_seal(k->cur, nonce, clear, wc.len, (uint8_t *)secret, ws.len, sealed)) {
        ctl_benc_init(&w, out, cap);
        ctl_benc_dict(&w);
        ctl_benc_kv_str(&w, "clear", clear, wc.len);
        ctl_benc_kv_int(&w, "kid", k->cur_id);
        ctl_benc_kv_str(&w, "nonce", nonce, sizeof(nonce));
        ctl_benc_kv_str(&w, "sealed", sealed, ws.len + 16);
        ctl_benc_kv_int(&w, "v", RELAY_STORE_FORMAT);
        ctl_benc_end(&w);
        if (ctl_benc_ok(&w))
            len = w.len;
    }
    OPENSSL_cleanse(secret, ws.len < half ? ws.len : half); /* keys in clear */
    return len;
}

void relay_call_img_free(relay_call_img *img)
{
    for (int i = 0; i < RELAY_MAX_STREAMS; i++)
        if (img->rec.st[i]) {
            OPENSSL_cleanse(img->rec.st[i], sizeof(relay_rec_stream));
            free(img->rec.st[i]);
            img->rec.st[i] = NULL;
        }
    if (img->state) {
        OPENSSL_cleanse(img->state, img->state_len);
        free(img->state);
        img->state = NULL;
    }
}

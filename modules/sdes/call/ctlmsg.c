/*
 * modules/sdes/call/ctlmsg.c — control-protocol messages of sdes.so made from
 * SDES engine results (docs/protocol.md "offer", "answer", "sdes-state"):
 * per m= line a stream with leg a (the offerer) and leg b (the answerer),
 * each with the peer's signalled address and, for SRTP, crypto dicts whose
 * keys are the RFC 4568 §6.1 key-params the engine chose (key||salt, MKI,
 * lifetime). Also the local ports from a reply. The sdes-state blob is
 * call/callstate.c's.
 */
#include "sdes/call/ctlmsg.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

/* m= lines the relay carries (the engine left the others alone). */
static int relayed(const sdes_media_result *m)
{
    return m->state == SDES_MEDIA_PLAIN || m->state == SDES_MEDIA_SRTP ||
           m->state == SDES_MEDIA_PASSTHROUGH;
}

/* An MKI value (big-endian bytes) as the integer srtpd's control protocol
 * carries (docs/protocol.md "Crypto dict": an integer written big-endian in
 * mki-len bytes). RFC 4568 §6.1 allows MKIs up to 128 bytes, but an int64
 * holds 7 bytes without its sign, so a longer MKI is refused (false) and
 * the request is not sent: never a wrong or negative MKI on the wire. */
static bool mki_int(const sdes_key_param *kp, int64_t *out)
{
    int64_t v = 0;
    if (!sdes_call_mki_fits(kp))
        return false;
    for (uint8_t i = 0; i < kp->mki_len; i++)
        v = (v << 8) | kp->mki[i];
    *out = v;
    return true;
}

bool sdes_call_mki_fits(const sdes_key_param *kp)
{
    /* Any length RFC 4568 allows (1..128 bytes): devices pad small MKI
     * values (|1:4, |2:16); only the value must fit the integer. */
    if (kp->mki_len > SDES_CA_MAX_MKI_LEN)
        return false;
    for (int i = 0; i + SDES_CALL_MAX_MKI_LEN < (int)kp->mki_len; i++)
        if (kp->mki[i])
            return false;
    return true;
}

/* One direction's crypto dict (docs/protocol.md "Crypto dict"). The MKI travels
 * as an integer, written big-endian in mki-len bytes (RFC 3711 §3.1);
 * keys[0] is the key to protect with (the engine lists a rekey's new key
 * first, the previous one after it, so the switch is hitless). */
static int put_crypto(ctl_benc *w, const char *key, const sdes_keyset *k, sg_roc_policy roc)
{
    const sg_suite *s = sg_suite_get(k->suite);
    uint8_t mki_len = k->n_keys ? k->keys[0].mki_len : 0;

    ctl_benc_cstr(w, key);
    ctl_benc_dict(w);
    ctl_benc_kv_cstr(w, "suite", s ? s->name : "?");
    ctl_benc_kv_int(w, "mki-len", mki_len);
    if (k->kdr) /* the engine's 0 is "no KDR"; srtpd's 0 would mean 2^0 */
        ctl_benc_kv_int(w, "kdr", k->kdr);
    if (k->wsh)
        ctl_benc_kv_int(w, "window", k->wsh);
    if (k->unencrypted_srtp)
        ctl_benc_kv_int(w, "unencrypted-srtp", 1);
    if (k->unencrypted_srtcp)
        ctl_benc_kv_int(w, "unencrypted-srtcp", 1);
    if (k->unauthenticated_srtp)
        ctl_benc_kv_int(w, "unauthenticated-srtp", 1);
    if (roc == SG_ROC_RESET)
        ctl_benc_kv_int(w, "roc-reset", 1);
    ctl_benc_cstr(w, "keys");
    ctl_benc_list(w);
    for (uint8_t i = 0; i < k->n_keys && i < SDES_MAX_DIR_KEYS; i++) {
        const sdes_key_param *kp = &k->keys[i];
        int64_t mki = 0;
        if (mki_len && !mki_int(kp, &mki))
            return -1;
        ctl_benc_dict(w);
        ctl_benc_kv_str(w, "key", kp->key_salt, kp->key_salt_len);
        if (mki_len)
            ctl_benc_kv_int(w, "mki", mki);
        if (kp->lifetime)
            ctl_benc_kv_int(w, "lifetime", (int64_t)kp->lifetime);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_end(w);
    return 0;
}

/* The peer's signalled address; a hold address (0.0.0.0, ::) or port 0
 * says nothing about where the peer is, so the relay keeps what it has. */
static void put_peer(ctl_benc *w, const sdes_media_result *m)
{
    if (!m->peer_addr[0] || !m->peer_port || strcmp(m->peer_addr, "0.0.0.0") == 0 ||
        strcmp(m->peer_addr, "::") == 0)
        return;
    ctl_benc_kv_cstr(w, "family", strchr(m->peer_addr, ':') ? "IP6" : "IP4");
    ctl_benc_kv_cstr(w, "address", m->peer_addr);
    ctl_benc_kv_int(w, "port", m->peer_port);
    if (m->peer_rtcp_port)
        ctl_benc_kv_int(w, "rtcp-port", m->peer_rtcp_port);
    ctl_benc_kv_int(w, "rtcp-mux", m->rtcp_mux ? 1 : 0);
}

static const char *transport(int secure)
{
    return secure ? "SRTP" : "RTP";
}

static int msg_streams(ctl_benc *w, const sdes_result *res, const sdes_state *st, unsigned what,
                       const char *if_a, const char *if_b, const sdes_relay *a_now, size_t n_a);

int sdes_call_msg_streams(ctl_benc *w, const sdes_result *res, const sdes_state *st, unsigned what)
{
    return msg_streams(w, res, st, what, NULL, NULL, NULL, 0);
}

int sdes_call_msg_streams_mux(ctl_benc *w, const sdes_result *res, const sdes_state *st,
                              unsigned what, const sdes_relay *a_now, size_t n_a)
{
    return msg_streams(w, res, st, what, NULL, NULL, a_now, n_a);
}

/* Leg a's rtcp-mux after this answer: it multiplexes now and the answer
 * accepts it (RFC 5761 §5.1.1: the offerer must not multiplex when the
 * answer has no a=rtcp-mux). */
static void put_a_mux(ctl_benc *w, const sdes_media_result *m, int i, const sdes_relay *a_now,
                      size_t n_a)
{
    if (!a_now || (size_t)i >= n_a)
        return;
    const sdes_relay *r = &a_now[i];
    bool now = r->port && r->rtcp_port == r->port;
    ctl_benc_kv_int(w, "rtcp-mux", now && m->rtcp_mux ? 1 : 0);
}

static void put_iface(ctl_benc *w, const char *name)
{
    if (name && name[0])
        ctl_benc_kv_cstr(w, "interface", name);
}

int sdes_call_msg_streams_if(ctl_benc *w, const sdes_result *res, const sdes_state *st,
                             unsigned what, const char *if_a, const char *if_b)
{
    return msg_streams(w, res, st, what, if_a, if_b, NULL, 0);
}

static int msg_streams(ctl_benc *w, const sdes_result *res, const sdes_state *st, unsigned what,
                       const char *if_a, const char *if_b, const sdes_relay *a_now, size_t n_a)
{
    int n = 0, bad = 0;

    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
    for (int i = 0; i < res->n_media && i < SDES_MAX_MEDIA; i++) {
        const sdes_media_result *m = &res->media[i];
        const sdes_state_media *sm = st && i < st->n_media ? &st->media[i] : NULL;
        if (!relayed(m))
            continue;
        /* Passthrough: SRTP crosses the relay as it is, so both legs are
         * plain RTP to srtpd (it never holds those keys). */
        int pass = m->state == SDES_MEDIA_PASSTHROUGH;
        int a_sec = !pass && ((sm && sdes_proto_secure((sdes_proto)sm->a_proto)) || m->a_rx.srtp ||
                              m->a_tx.srtp);
        int b_sec = !pass && (m->b_rx.srtp || m->b_tx.srtp ||
                              (sm && sdes_proto_secure((sdes_proto)sm->b_proto)));
        /* Engine legs onto srtpd legs (swapped for a re-offer from b). */
        const char *leg_a = (what & SDES_CALL_MSG_SWAP) ? "b" : "a";
        const char *leg_b = (what & SDES_CALL_MSG_SWAP) ? "a" : "b";
        ctl_benc_dict(w);
        ctl_benc_kv_int(w, "index", i);
        ctl_benc_cstr(w, leg_a);
        ctl_benc_dict(w);
        put_iface(w, (what & SDES_CALL_MSG_SWAP) ? if_b : if_a);
        if (what & SDES_CALL_MSG_A_PEER) {
            ctl_benc_kv_cstr(w, "transport", transport(a_sec));
            put_peer(w, m);
        } else if (what & SDES_CALL_MSG_A_MUX) {
            put_a_mux(w, m, i, a_now, n_a);
        }
        if ((what & SDES_CALL_MSG_A_RECV) && !pass && m->a_rx.srtp)
            bad |= put_crypto(w, "recv", &m->a_rx, m->roc);
        if ((what & SDES_CALL_MSG_A_SEND) && !pass && m->a_tx.srtp)
            bad |= put_crypto(w, "send", &m->a_tx, m->roc);
        ctl_benc_end(w);
        ctl_benc_cstr(w, leg_b);
        ctl_benc_dict(w);
        put_iface(w, (what & SDES_CALL_MSG_SWAP) ? if_a : if_b);
        if (what & (SDES_CALL_MSG_B_PEER | SDES_CALL_MSG_B_TRANSPORT))
            ctl_benc_kv_cstr(w, "transport", transport(b_sec));
        if (what & SDES_CALL_MSG_B_PEER)
            put_peer(w, m);
        else if ((what & SDES_CALL_MSG_B_MUX_OFF) && !m->rtcp_mux)
            ctl_benc_kv_int(w, "rtcp-mux", 0);
        if ((what & SDES_CALL_MSG_B_RECV) && !pass && m->b_rx.srtp)
            bad |= put_crypto(w, "recv", &m->b_rx, m->roc);
        if ((what & SDES_CALL_MSG_B_SEND) && !pass && m->b_tx.srtp)
            bad |= put_crypto(w, "send", &m->b_tx, m->roc);
        ctl_benc_end(w);
        ctl_benc_end(w);
        n++;
    }
    ctl_benc_end(w);
    return bad ? -1 : n;
}

int sdes_call_msg_ports(const ctl_be_doc *doc, const ctl_be *reply, char leg, sdes_relay *relays,
                        size_t cap)
{
    const ctl_be *streams = ctl_be_get(doc, reply, "streams");
    const char key[2] = {leg, '\0'};
    int top = 0;

    if (!streams || streams->type != CTL_BE_LIST)
        return -1;
    for (size_t i = 0; i < cap; i++)
        memset(&relays[i], 0, sizeof(relays[i]));
    for (const ctl_be *s = ctl_be_first(doc, streams); s; s = ctl_be_next(doc, s)) {
        int64_t idx, port, rtcp = 0;
        const ctl_be *l;
        if (!ctl_be_get_int(doc, s, "index", &idx) || idx < 0 || (size_t)idx >= cap)
            continue;
        l = ctl_be_get(doc, s, key);
        if (!l || !ctl_be_get_int(doc, l, "port", &port) || port <= 0 || port > 65535)
            continue;
        sdes_relay *r = &relays[idx];
        if (!ctl_be_get_cstr(doc, l, "address", r->addr, sizeof(r->addr))) {
            r->addr[0] = '\0';
            continue;
        }
        r->port = (uint16_t)port;
        if (ctl_be_get_int(doc, l, "rtcp-port", &rtcp) && rtcp > 0 && rtcp <= 65535)
            r->rtcp_port = (uint16_t)rtcp;
        if (idx + 1 > top)
            top = (int)idx + 1;
    }
    return top;
}

bool sdes_call_keyset_same(const sdes_keyset *a, const sdes_keyset *b)
{
    if (!a->srtp || !b->srtp || a->suite != b->suite || a->n_keys != b->n_keys ||
        a->kdr != b->kdr || a->wsh != b->wsh || a->unencrypted_srtp != b->unencrypted_srtp ||
        a->unencrypted_srtcp != b->unencrypted_srtcp ||
        a->unauthenticated_srtp != b->unauthenticated_srtp)
        return false;
    for (uint8_t i = 0; i < a->n_keys && i < SDES_MAX_DIR_KEYS; i++) {
        const sdes_key_param *x = &a->keys[i], *y = &b->keys[i];
        if (x->key_salt_len != y->key_salt_len || x->mki_len != y->mki_len ||
            x->lifetime != y->lifetime || x->key_salt_len > sizeof(x->key_salt) ||
            x->mki_len > sizeof(x->mki) ||
            CRYPTO_memcmp(x->key_salt, y->key_salt, x->key_salt_len) != 0 ||
            memcmp(x->mki, y->mki, x->mki_len) != 0)
            return false;
    }
    return true;
}

int sdes_call_keyset_keep_old(sdes_keyset *k, const sdes_keyset *old)
{
    int added = 0;
    if (!k->srtp || !old->srtp || k->suite != old->suite || !k->n_keys || !old->n_keys)
        return 0;
    uint8_t ml = k->keys[0].mki_len;
    if (!ml)
        return 0; /* without an MKI only one key can be in use */
    for (uint8_t i = 0; i < old->n_keys && i < SDES_MAX_DIR_KEYS; i++) {
        const sdes_key_param *o = &old->keys[i];
        int have = o->mki_len != ml;
        for (uint8_t j = 0; j < k->n_keys && !have; j++)
            have = memcmp(k->keys[j].mki, o->mki, ml) == 0;
        if (have || k->n_keys >= SDES_MAX_DIR_KEYS)
            continue;
        k->keys[k->n_keys++] = *o;
        added++;
    }
    return added;
}

/* RFC 3711 §3.3.1: the ROC belongs to the SSRC's stream, not to a master
 * key, so a new key for a running stream must continue it. srtpd's
 * "rekey" changes a context's key table in place (its ROC and replay
 * state stay); replacing the crypto dict would rebuild the context with
 * the ROC at 0. Rekeying is possible when both sets use MKIs of the same
 * length and the same suite and session parameters (the context's other
 * settings cannot change in place), every MKI fits the protocol, the
 * new set brings at least one MKI that is not installed yet (srtpd refuses
 * to add an MKI twice) and the policy does not ask for roc=reset. */
bool sdes_call_keyset_can_rekey(const sdes_keyset *k, const sdes_keyset *old, sg_roc_policy roc)
{
    int fresh = 0;
    if (roc == SG_ROC_RESET || !k->srtp || !old->srtp || k->suite != old->suite || !k->n_keys ||
        !old->n_keys || k->n_keys > SDES_MAX_DIR_KEYS || old->n_keys > SDES_MAX_DIR_KEYS ||
        k->kdr != old->kdr || k->wsh != old->wsh || k->unencrypted_srtp != old->unencrypted_srtp ||
        k->unencrypted_srtcp != old->unencrypted_srtcp ||
        k->unauthenticated_srtp != old->unauthenticated_srtp)
        return false;
    uint8_t ml = old->keys[0].mki_len;
    if (!ml)
        return false;
    for (uint8_t i = 0; i < old->n_keys; i++)
        if (old->keys[i].mki_len != ml || !sdes_call_mki_fits(&old->keys[i]))
            return false;
    for (uint8_t i = 0; i < k->n_keys; i++) {
        const sdes_key_param *kp = &k->keys[i];
        int have = 0;
        if (kp->mki_len != ml || !sdes_call_mki_fits(kp))
            return false;
        for (uint8_t j = 0; j < old->n_keys && !have; j++)
            have = memcmp(old->keys[j].mki, kp->mki, ml) == 0;
        if (have) {
            /* An installed MKI must name the same key, or the peer's
             * packets under it would fail authentication. */
            for (uint8_t j = 0; j < old->n_keys; j++)
                if (memcmp(old->keys[j].mki, kp->mki, ml) == 0 &&
                    (old->keys[j].key_salt_len != kp->key_salt_len ||
                     CRYPTO_memcmp(old->keys[j].key_salt, kp->key_salt, kp->key_salt_len) != 0))
                    return false;
        } else {
            fresh++;
        }
    }
    return fresh > 0;
}

static bool has_mki(const sdes_keyset *k, const uint8_t *mki, uint8_t ml)
{
    for (uint8_t j = 0; j < k->n_keys && j < SDES_MAX_DIR_KEYS; j++)
        if (k->keys[j].mki_len == ml && memcmp(k->keys[j].mki, mki, ml) == 0)
            return true;
    return false;
}

int sdes_call_msg_rekey(ctl_benc *w, const char *cid, size_t cid_len, int index, char leg,
                        bool send, const sdes_keyset *k, const sdes_keyset *old)
{
    return sdes_call_msg_rekey_after(w, cid, cid_len, index, leg, send, k, old, 0);
}

bool sdes_call_mki_value(const sdes_key_param *kp, int64_t *out)
{
    return mki_int(kp, out);
}

int sdes_call_msg_rekey_after(ctl_benc *w, const char *cid, size_t cid_len, int index, char leg,
                              bool send, const sdes_keyset *k, const sdes_keyset *old,
                              int switch_after_ms)
{
    const char lg[2] = {leg, '\0'};
    uint8_t ml = old->keys[0].mki_len;
    int64_t v;

    ctl_benc_dict(w);
    ctl_benc_cstr(w, "add");
    ctl_benc_list(w);
    for (uint8_t i = 0; i < k->n_keys && i < SDES_MAX_DIR_KEYS; i++) {
        const sdes_key_param *kp = &k->keys[i];
        if (has_mki(old, kp->mki, ml))
            continue;
        if (!mki_int(kp, &v))
            return -1;
        ctl_benc_dict(w);
        ctl_benc_kv_str(w, "key", kp->key_salt, kp->key_salt_len);
        ctl_benc_kv_int(w, "mki", v);
        if (kp->lifetime)
            ctl_benc_kv_int(w, "lifetime", (int64_t)kp->lifetime);
        ctl_benc_end(w);
    }
    ctl_benc_end(w);
    ctl_benc_kv_str(w, "call-id", cid, cid_len);
    ctl_benc_kv_cstr(w, "command", "rekey");
    ctl_benc_kv_cstr(w, "dir", send ? "send" : "recv");
    ctl_benc_kv_cstr(w, "leg", lg);
    if (send) {
        /* keys[0] protects (the engine lists a rekey's new key first); the
         * switch happens before the retirement (docs/protocol.md "rekey" order),
         * and only keys the new set no longer lists are retired. */
        ctl_benc_cstr(w, "retire");
        ctl_benc_list(w);
        for (uint8_t i = 0; i < old->n_keys && i < SDES_MAX_DIR_KEYS; i++) {
            if (has_mki(k, old->keys[i].mki, ml))
                continue;
            if (!mki_int(&old->keys[i], &v))
                return -1;
            ctl_benc_int(w, v);
        }
        ctl_benc_end(w);
    }
    ctl_benc_kv_int(w, "stream", index);
    if (send && switch_after_ms > 0)
        ctl_benc_kv_int(w, "switch-after", switch_after_ms);
    if (send) {
        if (!mki_int(&k->keys[0], &v))
            return -1;
        ctl_benc_kv_int(w, "use", v);
    }
    ctl_benc_end(w);
    return ctl_benc_ok(w) ? 0 : -1;
}

int sdes_call_msg_replace(ctl_benc *w, const char *cid, size_t cid_len, int index, char leg,
                          bool send, const sdes_keyset *k, sg_roc_policy roc)
{
    const char lg[2] = {leg, '\0'};
    int bad;

    ctl_benc_dict(w);
    ctl_benc_kv_str(w, "call-id", cid, cid_len);
    ctl_benc_kv_cstr(w, "command", "update");
    ctl_benc_cstr(w, "streams");
    ctl_benc_list(w);
    ctl_benc_dict(w);
    ctl_benc_cstr(w, lg);
    ctl_benc_dict(w);
    bad = put_crypto(w, send ? "send" : "recv", k, roc);
    ctl_benc_end(w);
    ctl_benc_kv_int(w, "index", index);
    ctl_benc_end(w);
    ctl_benc_end(w);
    ctl_benc_end(w);
    return bad || !ctl_benc_ok(w) ? -1 : 0;
}

/*
 * rtp/relay/parse.c — the leg and crypto dictionaries of srtpd's control
 * commands (see parse.h): suite by RFC 4568 name, key||salt or key + salt,
 * MKI as "value:length", lifetimes, RFC 4568 §6.3 session parameters,
 * addresses; every field checked, every context built before use.
 */
#include "relay/parse.h"
#include "relay/store_rec.h"
#include "relay/rxprev.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* MKI value as an integer, big-endian into len bytes (RFC 4568 §6.1
 * "MKI:length"). */
bool relay_mki_from_int(int64_t v, size_t len, uint8_t *out)
{
    if (v < 0 || len == 0 || len > SG_SRTP_MAX_MKI_LEN)
        return false;
    if (len < 8 && (uint64_t)v >> (8 * len))
        return false;
    memset(out, 0, len);
    for (size_t i = 0; i < len && i < 8; i++)
        out[len - 1 - i] = (uint8_t)((uint64_t)v >> (8 * i));
    return true;
}

bool relay_flag(const ctl_be_doc *doc, const ctl_be *d, const char *key, bool *out)
{
    int64_t v;
    if (!ctl_be_get(doc, d, key))
        return true;
    if (!ctl_be_get_int(doc, d, key, &v) || (v != 0 && v != 1))
        return false;
    *out = v == 1;
    return true;
}

/* ---- parsing a direction's crypto ---- */

bool relay_parse_key(const ctl_be_doc *doc, const ctl_be *k, const relay_crypto_spec *sp,
                     relay_key *out, const char **why)
{
    const char *key, *salt;
    size_t klen, slen;
    const sg_suite *su = sp->suite;
    if (!k || k->type != CTL_BE_DICT) {
        *why = "a key must be a dictionary";
        return false;
    }
    if (!ctl_be_get_str(doc, k, "key", &key, &klen)) {
        *why = "key: missing or not a string";
        return false;
    }
    if (ctl_be_get_str(doc, k, "salt", &salt, &slen)) {
        if (klen != su->key_len || slen != su->salt_len) {
            *why = "key or salt has the wrong length for the suite";
            return false;
        }
    } else {
        /* key||salt as in SDES inline (RFC 4568 §6.1). */
        if (klen != (size_t)su->key_len + su->salt_len) {
            *why = "key (key||salt) has the wrong length for the suite";
            return false;
        }
        salt = key + su->key_len;
        slen = su->salt_len;
        klen = su->key_len;
    }
    memcpy(out->master_key, key, klen);
    memcpy(out->master_salt, salt, slen);
    int64_t v;
    if (sp->params.mki_len) {
        if (!ctl_be_get_int(doc, k, "mki", &v) ||
            !relay_mki_from_int(v, sp->params.mki_len, out->mki)) {
            *why = "mki: missing or does not fit mki-len";
            return false;
        }
    } else if (ctl_be_get(doc, k, "mki")) {
        *why = "mki given but mki-len is 0";
        return false;
    }
    out->lifetime = 0;
    if (ctl_be_get(doc, k, "lifetime")) {
        if (!ctl_be_get_int(doc, k, "lifetime", &v) || v < 0) {
            *why = "lifetime: not a non-negative integer";
            return false;
        }
        out->lifetime = (uint64_t)v;
    }
    return true;
}

bool relay_parse_crypto(const ctl_be_doc *doc, const ctl_be *c, relay_crypto_spec *sp,
                        const char **why)
{
    memset(sp, 0, sizeof(*sp));
    const char *name;
    size_t nlen;
    int64_t v;
    if (!c || c->type != CTL_BE_DICT) {
        *why = "send/recv must be a dictionary";
        return false;
    }
    if (!ctl_be_get_str(doc, c, "suite", &name, &nlen) ||
        !(sp->suite = sg_suite_by_name(name, nlen))) {
        *why = "suite: missing or unknown";
        return false;
    }
    if (ctl_be_get_int(doc, c, "mki-len", &v)) {
        if (v < 0 || v > SG_SRTP_MAX_MKI_LEN) {
            *why = "mki-len: out of range 0..128";
            return false;
        }
        sp->params.mki_len = (uint8_t)v;
    }
    if (ctl_be_get_int(doc, c, "kdr", &v)) {
        if (v < 0 || v > 24) {
            *why = "kdr: out of range 0..24";
            return false;
        }
        sp->params.kdr = (uint8_t)v;
    }
    if (ctl_be_get_int(doc, c, "window", &v)) {
        if (v < 0 || v > SG_SRTP_MAX_WINDOW) {
            *why = "window: out of range";
            return false;
        }
        sp->params.replay_window = (uint16_t)v;
    }
    if (ctl_be_get_int(doc, c, "soft-limit", &v)) {
        if (v < 0) {
            *why = "soft-limit: negative";
            return false;
        }
        sp->params.soft_limit = (uint64_t)v;
    }
    bool roc_reset = false;
    if (!relay_flag(doc, c, "unencrypted-srtp", &sp->params.unencrypted_srtp) ||
        !relay_flag(doc, c, "unencrypted-srtcp", &sp->params.unencrypted_srtcp) ||
        !relay_flag(doc, c, "unauthenticated-srtp", &sp->params.unauthenticated_srtp) ||
        !relay_flag(doc, c, "roc-reset", &roc_reset)) {
        *why = "session flags must be 0 or 1";
        return false;
    }
    sp->params.roc_policy = roc_reset ? SG_ROC_RESET : SG_ROC_KEEP;
    const ctl_be *keys = ctl_be_get(doc, c, "keys");
    if (!keys || keys->type != CTL_BE_LIST || keys->len == 0 || keys->len > SG_SRTP_MAX_KEYS) {
        *why = "keys: want a list of 1..16 keys";
        return false;
    }
    for (const ctl_be *k = ctl_be_first(doc, keys); k; k = ctl_be_next(doc, k))
        if (!relay_parse_key(doc, k, sp, &sp->keys[sp->nkeys++], why))
            return false;
    if (ctl_be_get(doc, c, "use")) {
        if (!sp->params.mki_len || !ctl_be_get_int(doc, c, "use", &v) ||
            !relay_mki_from_int(v, sp->params.mki_len, sp->use_mki)) {
            *why = "use: needs mki-len and an MKI that fits";
            return false;
        }
        sp->has_use = true;
    }
    return true;
}

/* ---- parsing a leg ---- */

bool relay_parse_leg(const ctl_be_doc *doc, const ctl_be *l, relay_leg_update *u, char *why,
                     size_t whylen)
{
    memset(u, 0, sizeof(*u));
    /* A leg a request leaves out is still created on the IPv4 interface
     * when its stream is new (and a later address must match that). */
    u->family = AF_INET;
    if (!l)
        return true;
    u->present = true;
    if (l->type != CTL_BE_DICT) {
        snprintf(why, whylen, "leg must be a dictionary");
        return false;
    }
    const ctl_be *t = ctl_be_get(doc, l, "transport");
    if (t) {
        u->has_transport = true;
        if (ctl_be_str_eq(t, "SRTP"))
            u->srtp = true;
        else if (!ctl_be_str_eq(t, "RTP")) {
            snprintf(why, whylen, "transport: want RTP or SRTP");
            return false;
        }
    }
    const ctl_be *f = ctl_be_get(doc, l, "family");
    u->family = AF_INET;
    if (f) {
        u->has_family = true;
        if (ctl_be_str_eq(f, "IP6"))
            u->family = AF_INET6;
        else if (!ctl_be_str_eq(f, "IP4")) {
            snprintf(why, whylen, "family: want IP4 or IP6");
            return false;
        }
    }
    if (ctl_be_get(doc, l, "interface")) {
        if (!ctl_be_get_cstr(doc, l, "interface", u->ifname, sizeof(u->ifname)) || !u->ifname[0]) {
            snprintf(why, whylen, "interface: want a name of 1..%d bytes",
                     RELAY_IFACE_NAME_MAX - 1);
            return false;
        }
        u->has_iface = true;
    }
    char ip[64];
    int64_t port, rport;
    if (ctl_be_get(doc, l, "address")) {
        if (!ctl_be_get_cstr(doc, l, "address", ip, sizeof(ip)) ||
            !ctl_be_get_int(doc, l, "port", &port) || port < 1 || port > 65535) {
            snprintf(why, whylen, "address needs a port 1..65535");
            return false;
        }
        rport = port + 1;
        if (ctl_be_get(doc, l, "rtcp-port") &&
            (!ctl_be_get_int(doc, l, "rtcp-port", &rport) || rport < 1 || rport > 65535)) {
            snprintf(why, whylen, "rtcp-port: want 1..65535");
            return false;
        }
        struct sockaddr_in *v4 = (struct sockaddr_in *)&u->rtp;
        struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&u->rtp;
        if (inet_pton(AF_INET, ip, &v4->sin_addr) == 1) {
            v4->sin_family = AF_INET;
            v4->sin_port = htons((uint16_t)port);
            u->len = sizeof(*v4);
        } else if (inet_pton(AF_INET6, ip, &v6->sin6_addr) == 1) {
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons((uint16_t)port);
            u->len = sizeof(*v6);
        } else {
            snprintf(why, whylen, "address: not an IP address");
            return false;
        }
        if (u->has_family && u->rtp.ss_family != u->family) {
            snprintf(why, whylen, "address does not match family");
            return false;
        }
        u->family = u->rtp.ss_family;
        u->has_family = true;
        u->rtcp = u->rtp;
        if (u->family == AF_INET)
            ((struct sockaddr_in *)&u->rtcp)->sin_port = htons((uint16_t)rport);
        else
            ((struct sockaddr_in6 *)&u->rtcp)->sin6_port = htons((uint16_t)rport);
        u->has_addr = true;
    }
    if (ctl_be_get(doc, l, "strict-source")) {
        u->has_strict = true;
        if (!relay_flag(doc, l, "strict-source", &u->strict)) {
            snprintf(why, whylen, "strict-source: want 0 or 1");
            return false;
        }
    }
    if (ctl_be_get(doc, l, "rtcp-mux")) {
        u->has_mux = true;
        if (!relay_flag(doc, l, "rtcp-mux", &u->mux)) {
            snprintf(why, whylen, "rtcp-mux: want 0 or 1");
            return false;
        }
    }
    static const char *dirs[2] = {"recv", "send"};
    for (int k = 0; k < 2; k++) {
        const ctl_be *c = ctl_be_get(doc, l, dirs[k]);
        if (!c)
            continue;
        relay_crypto_spec sp;
        const char *w2 = "bad crypto";
        if (!relay_parse_crypto(doc, c, &sp, &w2)) {
            relay_crypto_spec_wipe(&sp);
            snprintf(why, whylen, "%s: %s", dirs[k], w2);
            return false;
        }
        sg_srtp_ctx *ctx;
        sg_status st =
            relay_crypto_build(&sp, k == 0 ? SG_SRTP_UNPROTECT : SG_SRTP_PROTECT, &ctx, &w2);
        u->spec[k] = st == SG_OK ? relay_rec_spec_dup(&sp) : NULL;
        relay_crypto_spec_wipe(&sp);
        if (st != SG_OK) {
            snprintf(why, whylen, "%s: %s: %s", dirs[k], w2, sg_status_str(st));
            return false;
        }
        if (k == 0) {
            u->rx = ctx;
            u->rx_suite = sp.suite;
            u->rx_mki_len = sp.params.mki_len;
            u->rx_unauth = sp.params.unauthenticated_srtp;
        } else {
            u->tx = ctx;
            u->tx_suite = sp.suite;
            u->tx_mki_len = sp.params.mki_len;
        }
    }
    return true;
}

void relay_leg_update_free(relay_leg_update *u)
{
    sg_srtp_ctx_free(u->rx);
    sg_srtp_ctx_free(u->tx);
    sg_srtp_ctx_free(u->rx_gone);
    u->rx = u->tx = u->rx_gone = NULL;
    if (u->has_new_rtcp)
        close(u->new_rtcp_fd);
    if (u->has_old_rtcp)
        close(u->old_rtcp_fd);
    u->has_new_rtcp = u->has_old_rtcp = false;
    relay_rec_spec_free(&u->spec[0]);
    relay_rec_spec_free(&u->spec[1]);
}

/* Applies an update to a leg; old contexts are swapped into the update so
 * the caller frees them (after the job, on the control thread). */
void relay_leg_apply(relay_leg *leg, relay_leg_update *u)
{
    if (!u->present)
        return;
    if (u->has_transport)
        leg->srtp = u->srtp;
    if (u->has_strict)
        leg->strict_source = u->strict;
    if (u->has_mux)
        leg->rtcp_mux = u->mux;
    if (u->has_addr) {
        leg->peer_rtp = u->rtp;
        leg->peer_rtcp = u->has_mux && u->mux ? u->rtp : u->rtcp;
        leg->peer_len = u->len;
        leg->peer_known = true;
        leg->latched = leg->latched_rtcp = false;
        /* A new offer/answer address: the relatch state starts over. */
        leg->have_ssrc = false;
        leg->cand_n = 0;
    }
    if (u->rx) {
        leg->rx_unauth = u->rx_unauth;
        /* The replaced context stays beside the new one until the peer
         * has moved to its new key (relay/rxprev.h); the one it replaced
         * before goes back to the caller to be freed. */
        sg_srtp_ctx *gone = relay_rx_replace(leg, u->rx);
        leg->rx_suite = u->rx_suite;
        leg->rx_mki_len = u->rx_mki_len;
        u->rx = gone;
    }
    if (u->has_transport && !u->srtp && leg->rx_prev) {
        u->rx_gone = leg->rx_prev; /* plain RTP now: no key to fall back to */
        leg->rx_prev = NULL;
    }
    if (u->tx) {
        sg_srtp_ctx *old = leg->tx;
        leg->tx = u->tx;
        leg->tx_suite = u->tx_suite;
        leg->tx_mki_len = u->tx_mki_len;
        u->tx = old;
    }
}

/*
 * modules/sdes/engine/offer_answer.c — the SDES offer/answer engine (RFC 4568 §7
 * over RFC 3264): per m= line, which a=crypto of the offer is acceptable
 * under the policy, what each leg is offered or answered, which keys go to
 * the relay, and the state carried from offer to answer and to re-offers.
 * See sdes_engine.h for the modes. The SDP itself is indexed by sdp.c and
 * written by sdp_rewrite.c from the plan built here.
 */
#include "engine_int.h"
#include "sdes/engine/multipart.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything one call needs; heap-allocated (the state copy is large). */
typedef struct oa_ctx {
    const sdes_config *cfg;
    const sdes_policy *pol;
    sdes_policy def_pol;
    sdes_sdp sdp;
    sdes_result *res;
    sdes_state next; /* becomes *state on success */
    plan_media plan[SDES_MAX_MEDIA];
    sdes_crypto_attr attr; /* scratch */
    sdes_rand_pool rnd;    /* key material for this call */
} oa_ctx;

__attribute__((format(printf, 2, 3))) static void note(oa_ctx *c, const char *fmt, ...)
{
    size_t n = strlen(c->res->notes);
    if (n + 3 >= sizeof c->res->notes)
        return;
    if (n) {
        memcpy(c->res->notes + n, "; ", 3);
        n += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->res->notes + n, sizeof c->res->notes - n, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 3, 4))) static sdes_rej reject(oa_ctx *c, sdes_rej code,
                                                             const char *fmt, ...)
{
    int n = snprintf(c->res->reason, sizeof c->res->reason, "%s: %s", sdes_rej_name(code),
                     sdes_rej_str(code));
    if (n > 0 && (size_t)n < sizeof c->res->reason - 3) {
        memcpy(c->res->reason + n, " (", 3);
        n += 2;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->res->reason + n, sizeof c->res->reason - (size_t)n, fmt, ap);
        va_end(ap);
        size_t l = strlen(c->res->reason);
        if (l + 2 <= sizeof c->res->reason) {
            c->res->reason[l] = ')';
            c->res->reason[l + 1] = '\0';
        }
    }
    c->res->code = code;
    return code;
}

/* A rejection without details. */
static sdes_rej reject0(oa_ctx *c, sdes_rej code)
{
    snprintf(c->res->reason, sizeof c->res->reason, "%s: %s", sdes_rej_name(code),
             sdes_rej_str(code));
    c->res->code = code;
    return code;
}

static sdes_rej sdp_status_rej(oa_ctx *c, sdes_sdp_status st, int line)
{
    switch (st) {
    case SDES_SDP_OK:
        return SDES_REJ_OK;
    case SDES_SDP_TOO_LARGE:
        return reject0(c, SDES_REJ_TOO_LARGE);
    case SDES_SDP_MULTIPART:
        return reject0(c, SDES_REJ_MULTIPART);
    case SDES_SDP_NOT_SDP:
        return reject(c, SDES_REJ_NOT_SDP, "%s", "first line is not v=0");
    case SDES_SDP_MALFORMED:
        return line ? reject(c, SDES_REJ_MALFORMED, "line %d", line)
                    : reject(c, SDES_REJ_MALFORMED, "NUL byte in body");
    case SDES_SDP_TOO_MANY_MEDIA:
        return reject(c, SDES_REJ_TOO_MANY_MEDIA, "more than %d", SDES_MAX_MEDIA);
    case SDES_SDP_TOO_MANY_CRYPTO:
        return reject(c, SDES_REJ_TOO_MANY_CRYPTO, "line %d", line);
    case SDES_SDP_ALLOC:
        return reject0(c, SDES_REJ_ALLOC);
    }
    return reject0(c, SDES_REJ_MALFORMED);
}

/* Copies an SDP token for results and reasons; anything but printable
 * ASCII becomes '?', so a reason or log line cannot be forged with control
 * characters from the peer's SDP. */
static void copy_span(const sdes_sdp *s, sdes_span sp, char *dst, size_t cap)
{
    size_t n = sp.len < cap - 1 ? sp.len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s->body[sp.off + i];
        dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    dst[n] = '\0';
}

/* Fills the result's description of media i from the SDP as received. */
static void describe(oa_ctx *c, int i, const sdes_relay *relays, size_t n_relays)
{
    const sdes_sdp *s = &c->sdp;
    const sdes_sdp_media *m = &s->media[i];
    sdes_media_result *r = &c->res->media[i];
    copy_span(s, m->media, r->media, sizeof r->media);
    const sdes_sdp_conn *cn = sdes_sdp_media_conn(s, m);
    if (cn)
        copy_span(s, cn->addr, r->peer_addr, sizeof r->peer_addr);
    r->peer_port = (uint16_t)m->port;
    r->peer_rtcp_port = (uint16_t)(m->rtcp_mux ? m->port : m->port + 1);
    if (m->rtcp_line >= 0) {
        const char *p = sdes_sdp_line_ptr(s, m->rtcp_line) + 7;
        unsigned v = 0;
        size_t k = 7;
        while (k < s->lines[m->rtcp_line].len && *p >= '0' && *p <= '9' && v < 65536) {
            v = v * 10 + (unsigned)(*p++ - '0');
            k++;
        }
        if (v && v < 65536)
            r->peer_rtcp_port = (uint16_t)v;
    }
    r->rtcp_mux = m->rtcp_mux;
    sdes_dir d = sdes_sdp_media_dir(s, m);
    r->hold = d == SDES_DIR_SENDONLY || d == SDES_DIR_INACTIVE || (cn && cn->hold);
    r->roc = c->pol->roc;
    if ((size_t)i < n_relays && m->port != 0)
        r->relay = relays[i];
}

/* The acceptable a=crypto lines of media i, best first (policy order, then
 * offer order). Stripped ones are noted with their reason. Returns count;
 * idx[] holds indexes into m->crypto_lines. */
static int acceptable(oa_ctx *c, int i, int *idx, const char **first_reason)
{
    const sdes_sdp_media *m = &c->sdp.media[i];
    int n = 0, rank[SDES_SDP_MAX_CRYPTO];
    *first_reason = NULL;
    for (int j = 0; j < m->n_crypto; j++) {
        int li = m->crypto_lines[j];
        sdes_ca_status st = sdes_crypto_attr_parse(sdes_sdp_line_ptr(&c->sdp, li),
                                                   c->sdp.lines[li].len, 0, &c->attr);
        const char *why = NULL;
        if (st == SDES_CA_UNKNOWN_PARAM) {
            why = "unknown session parameter (RFC 4568 6.3)";
        } else if (st != SDES_CA_OK) {
            why = sdes_ca_status_str(st);
        } else {
            why = sdes_policy_check(c->pol, &c->attr);
        }
        if (why) {
            if (st == SDES_CA_OK || sdes_ca_status_soft(st))
                note(c, "m=%d a=crypto tag %u %s stripped: %s", i, c->attr.tag, c->attr.suite_name,
                     why);
            else
                note(c, "m=%d a=crypto #%d stripped: %s", i, j + 1, why);
            if (!*first_reason)
                *first_reason = why;
            continue;
        }
        int rk = sdes_policy_rank(c->pol, c->attr.suite), k = n;
        while (k > 0 && rank[k - 1] > rk) {
            rank[k] = rank[k - 1];
            idx[k] = idx[k - 1];
            k--;
        }
        rank[k] = rk;
        idx[k] = j;
        n++;
    }
    sdes_crypto_attr_wipe(&c->attr);
    return n;
}

/* Parses the media's j-th a=crypto line into c->attr. */
static sdes_ca_status parse_line(oa_ctx *c, int i, int j)
{
    int li = c->sdp.media[i].crypto_lines[j];
    return sdes_crypto_attr_parse(sdes_sdp_line_ptr(&c->sdp, li), c->sdp.lines[li].len, 0,
                                  &c->attr);
}

/* With MKIs, the previous send key follows the new ones in a rekeyed line
 * (RFC 4568 §6.1: the MKI picks the key), so packets still in flight under
 * it decrypt and the switch is hitless. */
static void keep_old_key(sdes_keyset *nk, const sdes_keyset *prev)
{
    if (!prev->srtp || !prev->n_keys)
        return;
    const sdes_key_param *old = &prev->keys[0];
    if (nk->n_keys >= SDES_MAX_DIR_KEYS || !old->mki_len || old->mki_len != nk->keys[0].mki_len)
        return;
    for (size_t k = 0; k < nk->n_keys; k++)
        if (memcmp(nk->keys[k].mki, old->mki, old->mki_len) == 0)
            return;
    nk->keys[nk->n_keys++] = *old;
}

/* The MKI length of a peer's own keys (0: none, or no a=crypto from it yet). */
static uint8_t peer_mki(const sdes_keyset *peer)
{
    return peer && peer->srtp && peer->n_keys ? peer->keys[0].mki_len : 0;
}

/* An offer's second pass (sdes_config.keys_from): the lines the first
 * pass generated for stream i, to write again. false when it holds none
 * of the kind asked for (n lines with the suites of the plan). */
static bool replay_lines(oa_ctx *c, int i, int n)
{
    const sdes_state *k = c->cfg->keys_from;
    if (i >= k->n_media || k->n_media > SDES_MAX_MEDIA)
        return false;
    const sdes_state_media *km = &k->media[i];
    if (!km->in_use || km->n_b_offer != n || n > SDES_MAX_OFFER_LINES)
        return false;
    sdes_state_media *sm = &c->next.media[i];
    memcpy(sm->b_offer, km->b_offer, (size_t)n * sizeof sm->b_offer[0]);
    sm->n_b_offer = (uint8_t)n;
    return true;
}

/* Offer lines toward B: the previous accepted line when the stream is
 * unchanged (RFC 4568 §7.1.4: keys may be kept), new keys when rekeying is
 * asked and the stream is not on hold, else one line per preferred suite. */
static sdes_rej offer_lines(oa_ctx *c, int i, const sdes_state_media *prev, bool hold)
{
    sdes_state_media *sm = &c->next.media[i];
    sdes_media_result *r = &c->res->media[i];
    if (prev && prev->b_tx.srtp) {
        /* nomki=keep: B would get a plain key change (no MKI) and may be a
         * phone that never re-keys: it keeps the key it has. */
        if (!c->cfg->rekey || hold || !sdes_policy_rekey_toward(c->pol, peer_mki(&prev->b_rx))) {
            sm->b_offer[0] = prev->b_tx;
        } else {
            sdes_keyset *nk = &sm->b_offer[0];
            /* A rekey follows B's last a=crypto: an MKI only if B used one. */
            bool mki = sdes_policy_mki_toward(c->pol, peer_mki(&prev->b_rx));
            if (c->cfg->keys_from) {
                if (!replay_lines(c, i, 1) || sm->b_offer[0].suite != prev->b_tx.suite)
                    return reject(c, SDES_REJ_BAD_PARAM, "m=%d: keys_from holds no rekey", i);
                r->rekeyed = true;
                return SDES_REJ_OK;
            }
            if (!sdes_keyset_generate(c->pol, sg_suite_get(prev->b_tx.suite), prev->b_tx.tag, mki,
                                      &c->next.next_mki, &c->rnd, nk))
                return reject0(c, SDES_REJ_RANDOM);
            keep_old_key(nk, &prev->b_tx);
            r->rekeyed = true;
        }
        sm->n_b_offer = 1;
        return SDES_REJ_OK;
    }
    /* B has sent no a=crypto yet: no MKI unless the policy forces one. */
    bool mki = sdes_policy_mki_toward(c->pol, 0);
    int n = c->pol->offer_max < c->pol->n_suites ? c->pol->offer_max : c->pol->n_suites;
    if (c->cfg->keys_from) {
        bool same = replay_lines(c, i, n);
        for (int k = 0; same && k < n; k++)
            same =
                sm->b_offer[k].suite == c->pol->suites[k] && sm->b_offer[k].tag == (uint32_t)k + 1;
        if (!same)
            return reject(c, SDES_REJ_BAD_PARAM, "m=%d: keys_from holds other lines", i);
        return SDES_REJ_OK;
    }
    for (int k = 0; k < n; k++)
        if (!sdes_keyset_generate(c->pol, sg_suite_get(c->pol->suites[k]), (uint32_t)k + 1, mki,
                                  &c->next.next_mki, &c->rnd, &sm->b_offer[k]))
            return reject0(c, SDES_REJ_RANDOM);
    sm->n_b_offer = (uint8_t)n;
    return SDES_REJ_OK;
}

static void plan_emit_offer(oa_ctx *c, int i)
{
    sdes_state_media *sm = &c->next.media[i];
    plan_media *pm = &c->plan[i];
    pm->crypto = PLAN_CRYPTO_REPLACE;
    pm->n_emit = sm->n_b_offer;
    for (int k = 0; k < sm->n_b_offer; k++)
        pm->emit[k] = &sm->b_offer[k];
}

/* A stream the engine leaves alone (port 0, or not RTP it handles) is
 * copied as it is, except its a=crypto lines outside passthrough mode: they
 * carry the peer's keys (often the same key as its live streams), which must
 * not cross the edge (use case 3, cfg/rekey-edge.cfg). */
static void strip_untouched_crypto(oa_ctx *c, int i)
{
    if (c->cfg->mode == SDES_MODE_PASSTHROUGH || c->sdp.media[i].n_crypto == 0)
        return;
    c->plan[i].strip_crypto = true;
    note(c, "m=%d a=crypto removed from a stream left alone (keys do not cross the edge)", i);
}

static sdes_rej offer_media(oa_ctx *c, int i, const sdes_state_media *prev)
{
    const sdes_sdp_media *m = &c->sdp.media[i];
    sdes_state_media *sm = &c->next.media[i];
    sdes_media_result *r = &c->res->media[i];
    plan_media *pm = &c->plan[i];
    sdes_proto proto = sdes_sdp_proto(&c->sdp, m);
    sdes_mode mode = c->cfg->mode;
    if (m->port == 0 || proto == SDES_PROTO_OTHER) {
        if (m->port == 0) {
            r->state = SDES_MEDIA_DISABLED;
        } else {
            char pn[32];
            copy_span(&c->sdp, m->proto, pn, sizeof pn);
            note(c, "m=%d %s left alone (not RTP/AVP, SAVP, AVPF or SAVPF)", i, pn);
        }
        strip_untouched_crypto(c, i);
        return SDES_REJ_OK;
    }
    /* A previous stream counts as unchanged when it is the same media. */
    if (prev && (!prev->in_use || strcmp(prev->media, r->media) != 0))
        prev = NULL;
    pm->touch = true;
    pm->rewrite_port = true;
    const sdes_sdp_conn *cn = sdes_sdp_media_conn(&c->sdp, m);
    pm->rewrite_addr = !(cn && cn->hold);
    pm->out_proto = proto;
    pm->crypto = PLAN_CRYPTO_REPLACE; /* remove by default */
    sm->in_use = 1;
    sm->a_proto = (uint8_t)proto;
    sm->hold = r->hold;
    memcpy(sm->media, r->media, sizeof sm->media);
    sm->state = SDES_MEDIA_PLAIN;

    if (c->pol->srtp == SDES_SRTP_OFF) {
        if (sdes_proto_secure(proto))
            return reject(c, SDES_REJ_SRTP_FORBIDDEN, "m=%d %s", i, sdes_proto_name(proto));
        if (m->n_crypto)
            note(c, "m=%d a=crypto removed: srtp=off", i);
        goto done;
    }
    if (mode == SDES_MODE_ENCRYPT || mode == SDES_MODE_OSRTP) {
        if (sdes_proto_secure(proto))
            return reject(c, SDES_REJ_MODE_MISMATCH,
                          "m=%d is %s; mode %s expects plain RTP from the offerer", i,
                          sdes_proto_name(proto), sdes_mode_name(mode));
        if (m->n_crypto)
            note(c, "m=%d offerer's a=crypto removed: mode %s", i, sdes_mode_name(mode));
        sdes_rej rj = offer_lines(c, i, prev, r->hold);
        if (rj)
            return rj;
        pm->out_proto = mode == SDES_MODE_ENCRYPT ? sdes_proto_to_secure(proto) : proto;
        plan_emit_offer(c, i);
        sm->state = SDES_MEDIA_SRTP;
        goto done;
    }
    /* DECRYPT, REKEY, PASSTHROUGH: the offer's own a=crypto decide. */
    int idx[SDES_SDP_MAX_CRYPTO];
    const char *why;
    int n = acceptable(c, i, idx, &why);
    if (n == 0) {
        if (sdes_proto_secure(proto) || (m->n_crypto && c->pol->srtp == SDES_SRTP_REQUIRE))
            return reject(c, SDES_REJ_NO_ACCEPTABLE_CRYPTO, "m=%d: %s", i,
                          why ? why : "no a=crypto line");
        if (c->pol->srtp == SDES_SRTP_REQUIRE)
            return reject(c, SDES_REJ_SRTP_REQUIRED, "m=%d %s without a=crypto", i,
                          sdes_proto_name(proto));
        goto done; /* best effort: plain, unusable lines removed */
    }
    if (mode == SDES_MODE_PASSTHROUGH) {
        pm->crypto = PLAN_CRYPTO_FILTER;
        for (int k = 0; k < n; k++) {
            parse_line(c, i, idx[k]);
            if (k >= SDES_MAX_OFFER_LINES) {
                /* the state remembers 4 offered tags; more are not sent */
                note(c, "m=%d a=crypto tag %u %s stripped: more than %d acceptable lines", i,
                     c->attr.tag, c->attr.suite_name, SDES_MAX_OFFER_LINES);
                continue;
            }
            pm->keep_mask |= 1u << idx[k];
            /* Only tag and suite are kept: the keys are A's and B's. */
            sm->b_offer[k].srtp = true;
            sm->b_offer[k].suite = c->attr.suite->id;
            sm->b_offer[k].tag = c->attr.tag;
            sm->n_b_offer = (uint8_t)(k + 1);
        }
        sdes_crypto_attr_wipe(&c->attr);
        sm->state = SDES_MEDIA_PASSTHROUGH;
        goto done;
    }
    parse_line(c, i, idx[0]);
    sdes_keyset_from_attr(&c->attr, &sm->a_rx);
    sdes_crypto_attr_wipe(&c->attr);
    /* Our key toward A survives a re-offer of an unchanged stream that
     * keeps the suite (RFC 4568 §7.1.4); a rekey (not on hold) replaces it
     * at the answer, keeping it second in the line for a hitless switch. */
    if (prev && prev->a_tx.srtp && prev->a_tx.suite == sm->a_rx.suite) {
        sm->a_tx = prev->a_tx;
        /* nomki=keep: no new key toward an A we key without MKI. */
        sm->a_rekey =
            c->cfg->rekey && !r->hold && sdes_policy_rekey_toward(c->pol, peer_mki(&sm->a_rx));
    }
    sm->state = SDES_MEDIA_SRTP;
    if (mode == SDES_MODE_DECRYPT) {
        pm->out_proto = sdes_proto_to_plain(proto);
    } else { /* REKEY: B gets the same proto with our own keys */
        sdes_rej rj = offer_lines(c, i, prev, r->hold);
        if (rj)
            return rj;
        plan_emit_offer(c, i);
    }
done:
    sm->b_proto = (uint8_t)pm->out_proto;
    r->state = sm->state;
    r->a_rx = sm->a_rx;
    if (sm->n_b_offer && sm->b_offer[0].n_keys)
        r->b_tx = sm->b_offer[0]; /* provisional until B answers */
    return SDES_REJ_OK;
}

/* ---- answer -------------------------------------------------------------- */

/* B's single a=crypto must answer one of the tags we sent (RFC 4568 §7.1.2,
 * §7.1.3). Sets sm->b_rx/b_tx. */
static sdes_rej answer_crypto_b(oa_ctx *c, int i, sdes_state_media *sm, bool passthrough)
{
    const sdes_sdp_media *m = &c->sdp.media[i];
    if (m->n_crypto == 0) {
        /* RTP/AVP + a=crypto was offered (OSRTP, RFC 8643 §3): an answer
         * without a=crypto means plain RTP on that leg, unless required. */
        if (!sdes_proto_secure(sm->b_proto) && c->pol->srtp != SDES_SRTP_REQUIRE) {
            note(c, "m=%d answerer declined OSRTP: plain RTP on that leg", i);
            return SDES_REJ_OK;
        }
        return reject(c, SDES_REJ_ANSWER_NO_CRYPTO, "m=%d", i);
    }
    if (m->n_crypto > 1)
        return reject(c, SDES_REJ_ANSWER_MULTI_CRYPTO, "m=%d has %d", i, m->n_crypto);
    sdes_ca_status st = parse_line(c, i, 0);
    if (st != SDES_CA_OK) {
        sdes_crypto_attr_wipe(&c->attr);
        return reject(c, SDES_REJ_ANSWER_BAD_CRYPTO, "m=%d: %s", i, sdes_ca_status_str(st));
    }
    int k = 0;
    while (k < sm->n_b_offer && sm->b_offer[k].tag != c->attr.tag)
        k++;
    sdes_rej rj = SDES_REJ_OK;
    const char *why;
    if (k == sm->n_b_offer)
        rj = reject(c, SDES_REJ_ANSWER_UNOFFERED_TAG, "m=%d tag %u", i, c->attr.tag);
    else if (sm->b_offer[k].suite != c->attr.suite->id)
        rj = reject(c, SDES_REJ_ANSWER_SUITE, "m=%d tag %u offered %s, answered %s", i, c->attr.tag,
                    sg_suite_get(sm->b_offer[k].suite)->name, c->attr.suite->name);
    else if ((why = sdes_policy_check(c->pol, &c->attr)))
        rj = reject(c, SDES_REJ_ANSWER_POLICY, "m=%d: %s", i, why);
    if (rj == SDES_REJ_OK && !passthrough) {
        sdes_keyset_from_attr(&c->attr, &sm->b_rx);
        sm->b_tx = sm->b_offer[k];
    }
    sdes_crypto_attr_wipe(&c->attr);
    return rj;
}

static sdes_rej answer_media(oa_ctx *c, int i, sdes_state_media *sm)
{
    const sdes_sdp_media *m = &c->sdp.media[i];
    sdes_media_result *r = &c->res->media[i];
    plan_media *pm = &c->plan[i];
    if (!sm->in_use) {
        r->state = m->port == 0 ? SDES_MEDIA_DISABLED : SDES_MEDIA_UNTOUCHED;
        strip_untouched_crypto(c, i);
        return SDES_REJ_OK;
    }
    /* RFC 3264 §6: the answer's m= lines pair with the offer's, same media. */
    if (strcmp(sm->media, r->media) != 0)
        return reject(c, SDES_REJ_ANSWER_MEDIA, "m=%d is %s, the offer's is %s", i, r->media,
                      sm->media);
    pm->touch = true;
    pm->out_proto = (sdes_proto)sm->a_proto; /* RFC 3264 §6: same proto as the offer */
    pm->crypto = PLAN_CRYPTO_REPLACE;
    if (m->port == 0) {
        /* B rejected the stream: A gets port 0 too; keys are dropped. */
        sdes_state_media_wipe(sm);
        r->state = SDES_MEDIA_DISABLED;
        return SDES_REJ_OK;
    }
    pm->rewrite_port = true;
    const sdes_sdp_conn *cn = sdes_sdp_media_conn(&c->sdp, m);
    pm->rewrite_addr = !(cn && cn->hold);
    sdes_rej rj = SDES_REJ_OK;
    switch ((sdes_media_state)sm->state) {
    case SDES_MEDIA_PASSTHROUGH:
        rj = answer_crypto_b(c, i, sm, true);
        pm->crypto = PLAN_CRYPTO_KEEP;
        pm->out_proto = sdes_sdp_proto(&c->sdp, m);
        break;
    case SDES_MEDIA_SRTP:
        if (sm->n_b_offer)
            rj = answer_crypto_b(c, i, sm, false);
        else if (m->n_crypto)
            rj = reject(c, SDES_REJ_ANSWER_UNEXPECTED, "m=%d", i);
        if (rj)
            break;
        if (sm->a_rx.srtp) {
            if (!sm->a_tx.srtp || sm->a_tx.suite != sm->a_rx.suite || sm->a_rekey) {
                static const sdes_keyset none;
                sdes_keyset old = sm->a_rekey ? sm->a_tx : none;
                /* Toward A as A keys itself: an MKI only if its offer's
                 * accepted line had one (else A could not read ours). */
                bool mki = sdes_policy_mki_toward(c->pol, peer_mki(&sm->a_rx));
                if (!sdes_keyset_generate(c->pol, sg_suite_get(sm->a_rx.suite), sm->a_rx.tag, mki,
                                          &c->next.next_mki, &c->rnd, &sm->a_tx)) {
                    sdes_keyset_wipe(&old);
                    return reject0(c, SDES_REJ_RANDOM);
                }
                keep_old_key(&sm->a_tx, &old);
                sdes_keyset_wipe(&old);
                r->rekeyed = sm->a_rekey;
                sm->a_rekey = 0;
            }
            /* The answer names the offer's tag and suite (RFC 4568 §7.1.2)
             * and declares the same session parameters for its direction. */
            sm->a_tx.tag = sm->a_rx.tag;
            sm->a_tx.unencrypted_srtp = sm->a_rx.unencrypted_srtp;
            sm->a_tx.unencrypted_srtcp = sm->a_rx.unencrypted_srtcp;
            sm->a_tx.unauthenticated_srtp = sm->a_rx.unauthenticated_srtp;
            pm->n_emit = 1;
            pm->emit[0] = &sm->a_tx;
        }
        break;
    default: /* PLAIN */
        if (m->n_crypto)
            note(c, "m=%d answerer's a=crypto removed: none was offered", i);
        break;
    }
    if (rj)
        return rj;
    if (sm->state == SDES_MEDIA_SRTP && !sm->a_rx.srtp && !sm->a_tx.srtp && !sm->b_rx.srtp)
        sm->state = SDES_MEDIA_PLAIN; /* OSRTP declined: nothing to protect */
    r->state = sm->state;
    r->a_rx = sm->a_rx;
    r->a_tx = sm->a_tx;
    r->b_rx = sm->b_rx;
    r->b_tx = sm->b_tx;
    return SDES_REJ_OK;
}

/* ---- entry points ---------------------------------------------------------- */

/* Puts the rewritten SDP (res->body) back between the multipart body's
 * bytes before and after the SDP part. The CRLF before the next delimiter
 * belongs to the delimiter (RFC 2046 §5.1.1): when the original part did not
 * end in a line end, the SDP's last CRLF is left out too. */
static sdes_rej splice_part(sdes_result *res, const char *whole, size_t whole_len, size_t off,
                            size_t n)
{
    size_t sdp_len = res->body_len;
    if (n == 0 || whole[off + n - 1] != '\n')
        sdp_len -= sdp_len >= 2 ? 2 : 0;
    size_t tail = whole_len - off - n;
    char *nb = malloc(off + sdp_len + tail + 1);
    if (!nb)
        return SDES_REJ_ALLOC;
    memcpy(nb, whole, off);
    memcpy(nb + off, res->body, sdp_len);
    memcpy(nb + off + sdp_len, whole + off + n, tail);
    nb[off + sdp_len + tail] = '\0';
    OPENSSL_cleanse(res->body, res->body_len);
    free(res->body);
    res->body = nb;
    res->body_len = off + sdp_len + tail;
    return SDES_REJ_OK;
}

typedef enum { OA_OFFER, OA_ANSWER } oa_kind;

static sdes_rej run(oa_kind kind, const sdes_config *cfg, const char *body, size_t len,
                    const sdes_relay *relays, size_t n_relays, sdes_state *state, sdes_result *res)
{
    if (!res)
        return SDES_REJ_BAD_PARAM;
    memset(res, 0, offsetof(sdes_result, media));
    if (!cfg || !state || (unsigned)cfg->mode > SDES_MODE_OSRTP || (!relays && n_relays)) {
        res->code = SDES_REJ_BAD_PARAM;
        snprintf(res->reason, sizeof res->reason, "BAD_PARAM: %s",
                 sdes_rej_str(SDES_REJ_BAD_PARAM));
        return SDES_REJ_BAD_PARAM;
    }
    /* Only the parts of the (large) context that this SDP uses are
     * initialised, and only they are wiped at the end. */
    oa_ctx *c = malloc(sizeof *c);
    if (c) {
        memset(c, 0, offsetof(oa_ctx, next));
        memset(&c->attr, 0, sizeof c->attr);
        c->rnd.used = c->rnd.len = 0;
        /* Read at `out` to bound the wipe of next.media: an early rejection
         * (bad body, no state) must not read it uninitialised. */
        c->next.n_media = 0;
    }
    if (!c) {
        res->code = SDES_REJ_ALLOC;
        snprintf(res->reason, sizeof res->reason, "ALLOC: %s", sdes_rej_str(SDES_REJ_ALLOC));
        return SDES_REJ_ALLOC;
    }
    c->cfg = cfg;
    c->res = res;
    if (cfg->policy) {
        c->pol = cfg->policy;
    } else {
        sdes_policy_default(&c->def_pol);
        c->pol = &c->def_pol;
    }
    sdes_rej rj = SDES_REJ_OK;
    int line = 0;
    /* A multipart body: the engine works on its SDP part (RFC 5621). */
    const char *whole = body;
    size_t whole_len = len, mp_off = 0;
    bool mp = false;
    if (body && len > 2 && body[0] == '-' && body[1] == '-' && len <= SDES_SDP_MAX_BODY) {
        size_t off = 0, n = 0;
        switch (sdes_multipart_sdp(body, len, &off, &n)) {
        case SDES_MP_OK:
            mp = true;
            mp_off = off;
            body += off;
            len = n;
            break;
        case SDES_MP_NO_SDP:
            rj =
                reject(c, SDES_REJ_NOT_SDP, "%s", "multipart body without an application/sdp part");
            goto out;
        case SDES_MP_SEVERAL_SDP:
            rj = reject(c, SDES_REJ_MULTIPART, "%s", "several application/sdp parts");
            goto out;
        default:
            rj = reject(c, SDES_REJ_MULTIPART, "%s", "malformed multipart body");
            goto out;
        }
    }
    sdes_sdp_status ss = sdes_sdp_parse(body, len, &c->sdp, &line);
    if (ss != SDES_SDP_OK) {
        rj = sdp_status_rej(c, ss, line);
        goto out;
    }
    if (state->version != SDES_STATE_VERSION || state->n_media > SDES_MAX_MEDIA) {
        rj = reject(c, SDES_REJ_NO_STATE, "state not initialised");
        goto out;
    }
    res->n_media = c->sdp.n_media;
    memset(res->media, 0, (size_t)c->sdp.n_media * sizeof res->media[0]);
    if (c->sdp.n_sess_crypto)
        note(c, "session-level a=crypto removed (RFC 4568 9.1: media level only)");
    memset(c->plan, 0, sizeof c->plan);
    for (int i = 0; i < c->sdp.n_media; i++)
        describe(c, i, relays, n_relays);
    if (kind == OA_OFFER) {
        sdes_state_init(&c->next);
        memset(c->next.media, 0, (size_t)c->sdp.n_media * sizeof c->next.media[0]);
        c->next.next_mki = state->next_mki ? state->next_mki : 1;
        c->next.mode = (uint8_t)cfg->mode;
        c->next.n_media = (uint8_t)c->sdp.n_media;
        bool reoffer = state->phase == 2 && state->mode == cfg->mode;
        for (int i = 0; i < c->sdp.n_media && !rj; i++) {
            const sdes_state_media *prev = reoffer && i < state->n_media ? &state->media[i] : NULL;
            rj = offer_media(c, i, prev);
        }
        if (cfg->keys_from) /* its MKIs were taken by the first pass */
            c->next.next_mki = cfg->keys_from->next_mki;
        c->next.phase = 1;
    } else {
        if (state->phase != 1 || state->mode != cfg->mode) {
            rj = reject(c, SDES_REJ_NO_STATE,
                        state->phase != 1 ? "no offer pending" : "mode differs from the offer's");
            goto out;
        }
        if (c->sdp.n_media != state->n_media) {
            rj = reject(c, SDES_REJ_ANSWER_MEDIA, "offer had %d m= lines, answer %d",
                        state->n_media, c->sdp.n_media);
            goto out;
        }
        memcpy(&c->next, state, offsetof(sdes_state, media));
        memcpy(c->next.media, state->media, (size_t)state->n_media * sizeof state->media[0]);
        for (int i = 0; i < c->sdp.n_media && !rj; i++)
            rj = answer_media(c, i, &c->next.media[i]);
        c->next.phase = 2;
    }
    if (rj)
        goto out;
    rj = sdes_rewrite(&c->sdp, c->plan, relays, n_relays, &res->body, &res->body_len);
    if (rj) {
        reject0(c, rj);
        goto out;
    }
    if (mp) {
        rj = splice_part(res, whole, whole_len, mp_off, len);
        if (rj) {
            reject0(c, rj);
            goto out;
        }
    }
    /* Commit: entries the new SDP no longer has are wiped, the used ones
     * replaced. */
    for (int i = c->next.n_media; i < state->n_media && i < SDES_MAX_MEDIA; i++)
        sdes_state_media_wipe(&state->media[i]);
    memcpy(state, &c->next, offsetof(sdes_state, media));
    memcpy(state->media, c->next.media, (size_t)c->next.n_media * sizeof state->media[0]);
out:
    if (rj) {
        /* Fail closed: no body and no keys in a rejected result. */
        char reason[SDES_REASON_LEN], notes[SDES_NOTES_LEN];
        memcpy(reason, res->reason, sizeof reason);
        memcpy(notes, res->notes, sizeof notes);
        sdes_result_free(res);
        memcpy(res->reason, reason, sizeof reason);
        memcpy(res->notes, notes, sizeof notes);
        res->code = rj;
        res->n_media = 0;
    }
    int nm = c->next.n_media <= SDES_MAX_MEDIA ? c->next.n_media : SDES_MAX_MEDIA;
    sdes_sdp_free(&c->sdp);
    for (int i = 0; i < nm; i++)
        sdes_state_media_wipe(&c->next.media[i]);
    sdes_rand_wipe(&c->rnd);
    OPENSSL_cleanse(c, offsetof(oa_ctx, next) + offsetof(sdes_state, media));
    OPENSSL_cleanse(c->plan, sizeof c->plan);
    sdes_crypto_attr_wipe(&c->attr);
    free(c);
    return rj;
}

sdes_rej sdes_offer(const sdes_config *cfg, const char *body, size_t len, const sdes_relay *relays,
                    size_t n_relays, sdes_state *state, sdes_result *res)
{
    return run(OA_OFFER, cfg, body, len, relays, n_relays, state, res);
}

sdes_rej sdes_answer(const sdes_config *cfg, const char *body, size_t len, const sdes_relay *relays,
                     size_t n_relays, sdes_state *state, sdes_result *res)
{
    return run(OA_ANSWER, cfg, body, len, relays, n_relays, state, res);
}

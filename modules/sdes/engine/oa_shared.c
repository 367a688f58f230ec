/*
 * modules/sdes/engine/oa_shared.c — the steps both sides of the SDES
 * offer/answer engine use (oa_ctx.h): notes and rejections in the result,
 * the description of a stream as received, which a=crypto lines of an
 * offer the policy accepts, and the key bookkeeping of a rekey.
 */
#include "oa_ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 2, 3))) void oa_note(oa_ctx *c, const char *fmt, ...)
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

__attribute__((format(printf, 3, 4))) sdes_rej oa_reject(oa_ctx *c, sdes_rej code, const char *fmt,
                                                         ...)
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
sdes_rej oa_reject0(oa_ctx *c, sdes_rej code)
{
    snprintf(c->res->reason, sizeof c->res->reason, "%s: %s", sdes_rej_name(code),
             sdes_rej_str(code));
    c->res->code = code;
    return code;
}

sdes_rej oa_sdp_status_rej(oa_ctx *c, sdes_sdp_status st, int line)
{
    switch (st) {
    case SDES_SDP_OK:
        return SDES_REJ_OK;
    case SDES_SDP_TOO_LARGE:
        return oa_reject0(c, SDES_REJ_TOO_LARGE);
    case SDES_SDP_MULTIPART:
        return oa_reject0(c, SDES_REJ_MULTIPART);
    case SDES_SDP_NOT_SDP:
        return oa_reject(c, SDES_REJ_NOT_SDP, "%s", "first line is not v=0");
    case SDES_SDP_MALFORMED:
        return line ? oa_reject(c, SDES_REJ_MALFORMED, "line %d", line)
                    : oa_reject(c, SDES_REJ_MALFORMED, "NUL byte in body");
    case SDES_SDP_TOO_MANY_MEDIA:
        return oa_reject(c, SDES_REJ_TOO_MANY_MEDIA, "more than %d", SDES_MAX_MEDIA);
    case SDES_SDP_TOO_MANY_CRYPTO:
        return oa_reject(c, SDES_REJ_TOO_MANY_CRYPTO, "line %d", line);
    case SDES_SDP_ALLOC:
        return oa_reject0(c, SDES_REJ_ALLOC);
    }
    return oa_reject0(c, SDES_REJ_MALFORMED);
}

/* Copies an SDP token for results and reasons; anything but printable
 * ASCII becomes '?', so a reason or log line cannot be forged with control
 * characters from the peer's SDP. */
void oa_copy_span(const sdes_sdp *s, sdes_span sp, char *dst, size_t cap)
{
    size_t n = sp.len < cap - 1 ? sp.len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s->body[sp.off + i];
        dst[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    dst[n] = '\0';
}

/* Fills the result's description of media i from the SDP as received. */
void oa_describe(oa_ctx *c, int i, const sdes_relay *relays, size_t n_relays)
{
    const sdes_sdp *s = &c->sdp;
    const sdes_sdp_media *m = &s->media[i];
    sdes_media_result *r = &c->res->media[i];
    oa_copy_span(s, m->media, r->media, sizeof r->media);
    const sdes_sdp_conn *cn = sdes_sdp_media_conn(s, m);
    if (cn)
        oa_copy_span(s, cn->addr, r->peer_addr, sizeof r->peer_addr);
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
int oa_acceptable(oa_ctx *c, int i, int *idx, const char **first_reason)
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
                oa_note(c, "m=%d a=crypto tag %u %s stripped: %s", i, c->attr.tag,
                        c->attr.suite_name, why);
            else
                oa_note(c, "m=%d a=crypto #%d stripped: %s", i, j + 1, why);
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
sdes_ca_status oa_parse_line(oa_ctx *c, int i, int j)
{
    int li = c->sdp.media[i].crypto_lines[j];
    return sdes_crypto_attr_parse(sdes_sdp_line_ptr(&c->sdp, li), c->sdp.lines[li].len, 0,
                                  &c->attr);
}

/* With MKIs, the previous send key follows the new ones in a rekeyed line
 * (RFC 4568 §6.1: the MKI picks the key), so packets still in flight under
 * it decrypt and the switch is hitless. */
void oa_keep_old_key(sdes_keyset *nk, const sdes_keyset *prev)
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
uint8_t oa_peer_mki(const sdes_keyset *peer)
{
    return peer && peer->srtp && peer->n_keys ? peer->keys[0].mki_len : 0;
}

/* A stream the engine leaves alone (port 0, or not RTP it handles) is
 * copied as it is, except its a=crypto lines outside passthrough mode: they
 * carry the peer's keys (often the same key as its live streams), which must
 * not cross the edge (use case 3, cfg/rekey-edge.cfg). */
void oa_strip_untouched_crypto(oa_ctx *c, int i)
{
    if (c->cfg->mode == SDES_MODE_PASSTHROUGH || c->sdp.media[i].n_crypto == 0)
        return;
    c->plan[i].strip_crypto = true;
    oa_note(c, "m=%d a=crypto removed from a stream left alone (keys do not cross the edge)", i);
}
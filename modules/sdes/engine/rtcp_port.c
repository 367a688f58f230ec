/*
 * modules/sdes/engine/rtcp_port.c — which RTCP port an SDP the engine writes
 * names for a relayed stream (RFC 3605 a=rtcp, RFC 5761 a=rtcp-mux), and
 * renaming it in a body already written when srtpd's reply to the request
 * that followed named another one (docs/sdes-module.md "RTCP ports").
 *
 * srtpd gives a leg that leaves rtcp-mux the port above its RTP port when it
 * is free, else any free port; only its reply knows which. A peer that sees
 * no a=rtcp sends RTCP to port + 1 (RFC 3550 §11), so any other port must be
 * written, and an a=rtcp the author wrote always carries srtpd's port.
 */
#include "engine_int.h"
#include "multipart.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

unsigned sdes_rtcp_port(const sdes_relay *r, bool mux)
{
    /* rtcp_port == port: srtpd's leg multiplexes now. An SDP without
     * a=rtcp-mux takes it out (the answer toward an offerer whose rtcp-mux
     * the answerer refused, RFC 5761 §5.1.1); srtpd then gives it port + 1
     * when that is free, and sdes_result_rtcp() renames the port when the
     * reply says otherwise. */
    if (r->rtcp_port && (mux || r->rtcp_port != r->port))
        return r->rtcp_port;
    return mux ? r->port : (unsigned)r->port + 1;
}

bool sdes_rtcp_line_needed(const sdes_relay *r, bool mux)
{
    unsigned p = sdes_rtcp_port(r, mux);
    /* With a=rtcp-mux and one port there is nothing to fall back to. */
    return p != (unsigned)r->port + 1 && !(mux && p == r->port);
}

static bool relayed(const sdes_media_result *m)
{
    return m->state == SDES_MEDIA_PLAIN || m->state == SDES_MEDIA_SRTP ||
           m->state == SDES_MEDIA_PASSTHROUGH;
}

typedef struct edit {
    size_t pos, del; /* in the part */
    char text[96];
    size_t len;
} edit;

/* The port digits of an a=rtcp line: their length, the value in *v
 * (0 when there are none or it is not a port). */
static size_t line_port(const char *p, size_t n, unsigned *v)
{
    size_t k = 7; /* "a=rtcp:" */
    *v = 0;
    while (k < n && p[k] >= '0' && p[k] <= '9' && *v < 65536)
        *v = *v * 10 + (unsigned)(p[k++] - '0');
    return k - 7;
}

/* One edit for media i, or false when its RTCP port is already right. */
static bool plan_edit(const sdes_sdp *s, int i, const sdes_relay *r, edit *e)
{
    const sdes_sdp_media *m = &s->media[i];
    unsigned want = sdes_rtcp_port(r, m->rtcp_mux);
    if (m->rtcp_line >= 0) {
        unsigned cur;
        const char *p = sdes_sdp_line_ptr(s, m->rtcp_line);
        size_t nd = line_port(p, s->lines[m->rtcp_line].len, &cur);
        if (cur == want)
            return false;
        e->pos = s->lines[m->rtcp_line].off + 7;
        e->del = nd;
        e->len = (size_t)snprintf(e->text, sizeof e->text, "%u", want);
        return true;
    }
    if (!sdes_rtcp_line_needed(r, m->rtcp_mux))
        return false;
    /* After the section's last line, before its line end. */
    const sdes_sdp_conn *c = m->conn.line >= 0 ? &m->conn : &s->conn;
    size_t al = strlen(r->addr);
    bool with_addr = c->line < 0 || c->hold || c->addr.len != al ||
                     memcmp(s->body + c->addr.off, r->addr, al) != 0;
    e->pos = s->lines[m->end - 1].off + s->lines[m->end - 1].len;
    e->del = 0;
    int n = snprintf(e->text, sizeof e->text, "\r\na=rtcp:%u%s%s", want,
                     with_addr ? (strchr(r->addr, ':') ? " IN IP6 " : " IN IP4 ") : "",
                     with_addr ? r->addr : "");
    e->len = n > 0 && (size_t)n < sizeof e->text ? (size_t)n : 0;
    return e->len > 0;
}

sdes_rej sdes_result_rtcp(sdes_result *res, const sdes_relay *relays, size_t n_relays,
                          bool *changed)
{
    size_t off = 0, n;
    sdes_sdp s;
    int err_line;
    edit ed[SDES_MAX_MEDIA];
    int n_ed = 0;

    *changed = false;
    if (!res->body || res->code != SDES_REJ_OK)
        return SDES_REJ_OK;
    n = res->body_len;
    if (n < 3 || memcmp(res->body, "v=0", 3) != 0) {
        if (sdes_multipart_sdp(res->body, res->body_len, &off, &n) != SDES_MP_OK)
            return SDES_REJ_MALFORMED;
    }
    if (sdes_sdp_parse(res->body + off, n, &s, &err_line) != SDES_SDP_OK)
        return SDES_REJ_MALFORMED;
    for (int i = 0; i < s.n_media && i < res->n_media && (size_t)i < n_relays; i++) {
        const sdes_relay *r = &relays[i];
        sdes_media_result *mr = &res->media[i];
        /* Only streams written with this relay port: the glue's reply is
         * about the same streams, a mismatch is left alone. */
        if (!relayed(mr) || !r->addr[0] || !r->port || s.media[i].port != r->port ||
            mr->relay.port != r->port)
            continue;
        if (plan_edit(&s, i, r, &ed[n_ed]))
            n_ed++;
        mr->relay.rtcp_port = r->rtcp_port;
    }
    sdes_sdp_free(&s);
    if (!n_ed)
        return SDES_REJ_OK;
    size_t cap = res->body_len + (size_t)n_ed * sizeof ed[0].text + 1;
    char *out = malloc(cap), *w = out;
    if (!out)
        return SDES_REJ_ALLOC;
    const char *part = res->body + off;
    size_t at = 0;
    memcpy(w, res->body, off);
    w += off;
    for (int k = 0; k < n_ed; k++) {
        memcpy(w, part + at, ed[k].pos - at);
        w += ed[k].pos - at;
        memcpy(w, ed[k].text, ed[k].len);
        w += ed[k].len;
        at = ed[k].pos + ed[k].del;
    }
    memcpy(w, part + at, res->body_len - off - at);
    w += res->body_len - off - at;
    *w = '\0';
    /* The old body holds keys. */
    OPENSSL_cleanse(res->body, res->body_len);
    free(res->body);
    res->body = out;
    res->body_len = (size_t)(w - out);
    *changed = true;
    return SDES_REJ_OK;
}

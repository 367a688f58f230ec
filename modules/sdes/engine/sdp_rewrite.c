/*
 * modules/sdes/engine/sdp_rewrite.c — write the rewritten SDP from the line index
 * (sdp.c) and the engine's per-m= plan: m= port and proto (RFC 3264 §6,
 * RFC 4568 §7: RTP/AVP <-> RTP/SAVP, RTP/AVPF <-> RTP/SAVPF), c= at session
 * and media level (RFC 4566 §5.7, IPv4 and IPv6), a=rtcp (RFC 3605), and the
 * a=crypto lines (RFC 4568 §9.1). Every other line is copied byte for byte
 * and in order; every line ends in CRLF (RFC 4566 §5).
 */
#include "engine_int.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct obuf {
    char *p;
    size_t n, cap;
    bool bad;
} obuf;

static void put(obuf *o, const char *s, size_t n)
{
    if (o->bad)
        return;
    if (o->n + n + 1 > o->cap) {
        size_t nc = (o->n + n + 1) * 2;
        char *np = malloc(nc);
        if (!np) {
            o->bad = true;
            return;
        }
        /* The buffer may already hold keys: wipe the old copy. */
        memcpy(np, o->p, o->n);
        OPENSSL_cleanse(o->p, o->cap);
        free(o->p);
        o->p = np;
        o->cap = nc;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
    o->p[o->n] = '\0';
}

static void puts_(obuf *o, const char *s)
{
    put(o, s, strlen(s));
}

static void put_u(obuf *o, unsigned v)
{
    char b[16];
    int n = snprintf(b, sizeof b, "%u", v);
    put(o, b, (size_t)n);
}

static void crlf(obuf *o)
{
    put(o, "\r\n", 2);
}

static bool is_ip6(const char *addr)
{
    return strchr(addr, ':') != NULL;
}

static void put_conn(obuf *o, const char *addr)
{
    puts_(o, is_ip6(addr) ? "c=IN IP6 " : "c=IN IP4 ");
    puts_(o, addr);
    crlf(o);
}

static void put_line(obuf *o, const sdes_sdp *s, int li)
{
    put(o, sdes_sdp_line_ptr(s, li), s->lines[li].len);
    crlf(o);
}

/* c= line for the relay, keeping anything after the address (/ttl). */
static void put_conn_rewritten(obuf *o, const sdes_sdp *s, const sdes_sdp_conn *c, const char *addr)
{
    const char *p = sdes_sdp_line_ptr(s, c->line);
    size_t a = c->addr.off - s->lines[c->line].off;
    puts_(o, is_ip6(addr) ? "c=IN IP6 " : "c=IN IP4 ");
    puts_(o, addr);
    put(o, p + a + c->addr.len, s->lines[c->line].len - a - c->addr.len);
    crlf(o);
}

/* a=rtcp:<port> [IN IP4 <addr>] (RFC 3605 §2.1), the port srtpd's reply
 * names (sdes_rtcp_port). An author's line keeps an address only when it
 * had one, and that address becomes the relay's. */
static void put_rtcp(obuf *o, const sdes_sdp *s, int li, const sdes_relay *r, bool mux, bool addr)
{
    const char *p = sdes_sdp_line_ptr(s, li);
    size_t n = s->lines[li].len;
    puts_(o, "a=rtcp:");
    put_u(o, sdes_rtcp_port(r, mux));
    const char *sp = memchr(p, ' ', n);
    if (sp && addr) {
        puts_(o, is_ip6(r->addr) ? " IN IP6 " : " IN IP4 ");
        puts_(o, r->addr);
    } else if (sp) {
        put(o, sp, n - (size_t)(sp - p));
    }
    crlf(o);
}

/* An a=rtcp the author did not write, for an RTCP port srtpd had to take
 * elsewhere than port + 1; with the relay's address when the c= in effect
 * is not it (a hold address stays in c=, RTCP still goes to the relay). */
static void put_rtcp_new(obuf *o, const sdes_relay *r, bool mux, bool with_addr)
{
    puts_(o, "a=rtcp:");
    put_u(o, sdes_rtcp_port(r, mux));
    if (with_addr) {
        puts_(o, is_ip6(r->addr) ? " IN IP6 " : " IN IP4 ");
        puts_(o, r->addr);
    }
    crlf(o);
}

static void put_crypto_lines(obuf *o, const plan_media *pm)
{
    char line[1200];
    size_t used = 0;
    for (int k = 0; k < pm->n_emit; k++) {
        size_t n;
        if (!sdes_keyset_format(pm->emit[k], line, sizeof line, &n)) {
            o->bad = true;
            used = sizeof line;
            break;
        }
        put(o, line, n);
        crlf(o);
        used = n > used ? n : used;
    }
    OPENSSL_cleanse(line, used);
}

/* RFC 8839 ICE attributes and RFC 6947 a=altc: addresses of the author
 * (candidates), or the credentials and options of an ICE agent that the
 * relay does not run. */
static bool is_ice_line(const char *p, size_t n)
{
    static const char *const pre[] = {"a=candidate:",        "a=ice-",  "a=end-of-candidates",
                                      "a=remote-candidates", "a=altc:", NULL};
    for (int i = 0; pre[i]; i++) {
        size_t k = strlen(pre[i]);
        if (n >= k && memcmp(p, pre[i], k) == 0)
            return true;
    }
    return false;
}

/* o=<username> <sess-id> <sess-version> IN IP4|IP6 <relay address>
 * (RFC 4566 §5.2): the origin's address is the author's, so it follows the
 * relay too; the first three fields stay (the version is the author's). */
static void put_origin(obuf *o, const sdes_sdp *s, int li, const char *addr)
{
    const char *p = sdes_sdp_line_ptr(s, li);
    size_t n = s->lines[li].len, sp = 0, k = 0;
    for (; k < n && sp < 3; k++)
        if (p[k] == ' ')
            sp++;
    if (sp == 3)
        put(o, p, k - 1);
    else
        puts_(o, "o=- 0 0"); /* malformed: nothing of it is kept */
    puts_(o, is_ip6(addr) ? " IN IP6 " : " IN IP4 ");
    puts_(o, addr);
    crlf(o);
}

sdes_rej sdes_rewrite(const sdes_sdp *s, const plan_media *plan, const sdes_relay *relays,
                      size_t n_relays, bool keep_ice, bool isolate, char **out, size_t *out_len)
{
    obuf o = {NULL, 0, 0, false};
    /* The session c= moves to the relay address of the first relayed media
     * (unless it is a 0.0.0.0 hold address, which stays); media whose address
     * then differs get their own c= line, so no peer address is left behind
     * for a relayed stream. */
    const char *sess_addr = NULL;
    for (int i = 0; i < s->n_media; i++) {
        if (plan[i].touch && plan[i].rewrite_addr && (size_t)i < n_relays && relays[i].addr[0] &&
            s->conn.line >= 0 && !s->conn.hold) {
            sess_addr = relays[i].addr;
            break;
        }
    }
    /* The relay address of the first relayed stream (on hold too) goes
     * into o=, else the first relay address given at all (an answer that
     * rejects every stream still leaves through the edge: the author's
     * address must not); with a relayed stream the session's ICE lines go
     * unless kept. */
    const char *o_addr = NULL;
    bool relayed = false;
    for (int i = 0; i < s->n_media && !relayed; i++)
        if (plan[i].touch && plan[i].rewrite_port && (size_t)i < n_relays && relays[i].addr[0]) {
            o_addr = relays[i].addr;
            relayed = true;
        }
    for (int i = 0; i < s->n_media && !o_addr; i++)
        if ((size_t)i < n_relays && relays[i].addr[0])
            o_addr = relays[i].addr;
    bool strip_sess_ice = relayed && !keep_ice;
    /* Nothing relayed (every stream rejected, or none we handle): the
     * session c= still names the author, so it follows o=; active streams
     * left alone keep their old address below. */
    if (!sess_addr && o_addr && s->conn.line >= 0 && !s->conn.hold)
        sess_addr = o_addr;
    bool origin_done = false;
    size_t cap = s->len + (size_t)s->n_lines + 4096;
    o.p = malloc(cap);
    if (!o.p)
        return SDES_REJ_ALLOC;
    o.cap = cap;
    o.p[0] = '\0';
    int first_m = s->n_media ? s->media[0].m_line : s->n_lines;
    int sc = 0;
    for (int li = 0; li < first_m; li++) {
        const char *lp = sdes_sdp_line_ptr(s, li);
        if (sc < s->n_sess_crypto && li == s->sess_crypto_lines[sc])
            sc++; /* session-level a=crypto is dropped (RFC 4568 §9.1) */
        else if (lp[0] == 'o' && o_addr && !origin_done) {
            put_origin(&o, s, li, o_addr);
            origin_done = true;
        } else if (strip_sess_ice && is_ice_line(lp, s->lines[li].len))
            continue;
        else if (li == s->conn.line && sess_addr)
            put_conn_rewritten(&o, s, &s->conn, sess_addr);
        else
            put_line(&o, s, li);
    }
    for (int i = 0; i < s->n_media; i++) {
        const sdes_sdp_media *m = &s->media[i];
        const plan_media *pm = &plan[i];
        const sdes_relay *r = (size_t)i < n_relays ? &relays[i] : NULL;
        if (!pm->touch && isolate) {
            /* Two networks: a stream the relay does not carry leaves
             * disabled, its m= line with port 0 and nothing more. */
            const char *p = sdes_sdp_line_ptr(s, m->m_line);
            size_t a = m->port_span.off - s->lines[m->m_line].off;
            put(&o, p, a);
            puts_(&o, "0");
            put(&o, p + a + m->port_span.len, s->lines[m->m_line].len - a - m->port_span.len);
            crlf(&o);
            continue;
        }
        if (!pm->touch) {
            int cj = 0;
            /* The line after which a kept session c= goes: i= if there is
             * one (RFC 4566 §5 order m, i, c), else m=. */
            int c_after = m->m_line + 1 < m->end && sdes_sdp_line_ptr(s, m->m_line + 1)[0] == 'i'
                              ? m->m_line + 1
                              : m->m_line;
            for (int li = m->m_line; li < m->end; li++) {
                if (cj < m->n_crypto && li == m->crypto_lines[cj]) {
                    cj++;
                    if (pm->strip_crypto)
                        continue;
                }
                put_line(&o, s, li);
                /* An active stream we leave alone keeps its old address
                 * when the session c= moved to the relay. */
                if (li == c_after && sess_addr && m->conn.line < 0 && m->port != 0) {
                    put(&o, sdes_sdp_line_ptr(s, s->conn.line), s->lines[s->conn.line].len);
                    crlf(&o);
                }
            }
            continue;
        }
        bool port = pm->rewrite_port && r && r->addr[0];
        bool addr = pm->rewrite_addr && r && r->addr[0];
        bool strip_ice = port && !keep_ice;
        /* m= line: port and proto. */
        {
            const char *p = sdes_sdp_line_ptr(s, m->m_line);
            size_t a = m->port_span.off - s->lines[m->m_line].off;
            size_t b = m->proto.off - s->lines[m->m_line].off;
            put(&o, p, a);
            if (port)
                put_u(&o, r->port);
            else
                put(&o, p + a, m->port_span.len);
            /* keep "/<number of ports>" and the blank */
            put(&o, p + a + m->port_span.len, b - a - m->port_span.len);
            puts_(&o, sdes_proto_name(pm->out_proto));
            put(&o, p + b + m->proto.len, s->lines[m->m_line].len - b - m->proto.len);
            crlf(&o);
        }
        int start = m->m_line + 1;
        bool need_c = false;
        const char *c_addr = NULL;
        bool keep_sess_c = false;
        if (m->conn.line < 0) {
            if (addr && (!sess_addr || strcmp(sess_addr, r->addr) != 0)) {
                need_c = true;
                c_addr = r->addr;
            } else if (!addr && sess_addr && m->port != 0) {
                /* not relayed, but the session c= moved: keep its old one */
                need_c = keep_sess_c = true;
            }
        }
        if (need_c) {
            /* c= goes after i= (RFC 4566 §5 order: m, i, c, b, k, a). */
            if (start < m->end && sdes_sdp_line_ptr(s, start)[0] == 'i')
                put_line(&o, s, start++);
            if (keep_sess_c)
                put_line(&o, s, s->conn.line);
            else
                put_conn(&o, c_addr);
        }
        bool emitted = false;
        int crypto_idx = 0;
        for (int li = start; li < m->end; li++) {
            if (li == m->conn.line) {
                if (addr)
                    put_conn_rewritten(&o, s, &m->conn, r->addr);
                else
                    put_line(&o, s, li);
            } else if (li == m->rtcp_line && port) {
                /* Its address, if any, is the relay's even on hold (c=
                 * 0.0.0.0 stays): RTCP goes on through the relay. */
                put_rtcp(&o, s, li, r, m->rtcp_mux, true);
            } else if (port && s->lines[li].len >= 7 &&
                       memcmp(sdes_sdp_line_ptr(s, li), "a=rtcp:", 7) == 0) {
                continue; /* a second a=rtcp: its author's port and address */
            } else if (strip_ice && is_ice_line(sdes_sdp_line_ptr(s, li), s->lines[li].len)) {
                continue;
            } else if (crypto_idx < m->n_crypto && li == m->crypto_lines[crypto_idx]) {
                int j = crypto_idx++;
                if (pm->crypto == PLAN_CRYPTO_KEEP ||
                    (pm->crypto == PLAN_CRYPTO_FILTER && (pm->keep_mask >> j) & 1))
                    put_line(&o, s, li);
                else if (pm->crypto == PLAN_CRYPTO_REPLACE && !emitted) {
                    put_crypto_lines(&o, pm);
                    emitted = true;
                }
            } else {
                put_line(&o, s, li);
            }
        }
        if (pm->crypto == PLAN_CRYPTO_REPLACE && !emitted)
            put_crypto_lines(&o, pm);
        if (port && m->rtcp_line < 0 && sdes_rtcp_line_needed(r, m->rtcp_mux))
            put_rtcp_new(&o, r, m->rtcp_mux, !addr);
    }
    if (o.bad) {
        if (o.p) {
            OPENSSL_cleanse(o.p, o.cap);
            free(o.p);
        }
        return SDES_REJ_ALLOC;
    }
    *out = o.p;
    *out_len = o.n;
    return SDES_REJ_OK;
}

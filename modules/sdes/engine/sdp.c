/*
 * modules/sdes/engine/sdp.c — index the lines of one SDP body (RFC 4566 §5): the
 * session and media c= lines, m= lines, and the attributes the SDES engine
 * owns (a=crypto RFC 4568, a=rtcp RFC 3605, a=rtcp-mux RFC 5761, direction
 * RFC 3264 §5.1). Nothing is copied; offsets point into the caller's body.
 */
#include "sdes/engine/sdp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool line_is(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(p, lit, l) == 0;
}

static bool line_starts(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && memcmp(p, lit, l) == 0;
}

/* "a=crypto:" in any case. Peers such as FreeSWITCH and Asterisk match the
 * attribute name without regard to case, so "a=CRYPTO:" carries a key to
 * them; the engine owns every such line (strips or replaces it) so no key
 * crosses the edge unseen. The codec accepts the prefix in any case too. */
static bool is_crypto_attr(const char *p, size_t n)
{
    return n >= 9 && p[0] == 'a' && p[1] == '=' && strncasecmp(p + 2, "crypto:", 7) == 0;
}

/* c=<nettype> <addrtype> <address>[/ttl[/n]] */
static bool parse_conn(const sdes_sdp *s, int li, sdes_sdp_conn *c)
{
    const char *p = sdes_sdp_line_ptr(s, li);
    size_t n = s->lines[li].len;
    bool ip6;
    if (line_starts(p, n, "c=IN IP4 "))
        ip6 = false;
    else if (line_starts(p, n, "c=IN IP6 "))
        ip6 = true;
    else
        return false;
    size_t a = 9, e = a;
    while (e < n && p[e] != '/' && p[e] != ' ')
        e++;
    if (e == a)
        return false;
    c->line = li;
    c->ip6 = ip6;
    c->addr.off = s->lines[li].off + (uint32_t)a;
    c->addr.len = (uint32_t)(e - a);
    c->hold = line_is(p + a, e - a, "0.0.0.0") || line_is(p + a, e - a, "::");
    return true;
}

/* m=<media> <port>[/<number of ports>] <proto> <fmt> ... */
static bool parse_m(const sdes_sdp *s, int li, sdes_sdp_media *m)
{
    const char *p = sdes_sdp_line_ptr(s, li);
    size_t n = s->lines[li].len, i = 2, st;
    uint32_t base = s->lines[li].off;
    st = i;
    while (i < n && p[i] != ' ')
        i++;
    if (i == st || i >= n)
        return false;
    m->media = (sdes_span){base + (uint32_t)st, (uint32_t)(i - st)};
    st = ++i;
    uint32_t port = 0;
    while (i < n && is_digit(p[i])) {
        port = port * 10 + (uint32_t)(p[i] - '0');
        if (port > 65535)
            return false;
        i++;
    }
    if (i == st)
        return false;
    m->port_span = (sdes_span){base + (uint32_t)st, (uint32_t)(i - st)};
    m->port = port;
    if (i < n && p[i] == '/') {
        i++;
        if (i >= n || !is_digit(p[i]))
            return false;
        while (i < n && is_digit(p[i]))
            i++;
    }
    if (i >= n || p[i] != ' ')
        return false;
    st = ++i;
    while (i < n && p[i] != ' ')
        i++;
    if (i == st)
        return false;
    m->proto = (sdes_span){base + (uint32_t)st, (uint32_t)(i - st)};
    return true;
}

static sdes_dir parse_dir(const char *p, size_t n)
{
    if (line_is(p, n, "a=sendrecv"))
        return SDES_DIR_SENDRECV;
    if (line_is(p, n, "a=sendonly"))
        return SDES_DIR_SENDONLY;
    if (line_is(p, n, "a=recvonly"))
        return SDES_DIR_RECVONLY;
    if (line_is(p, n, "a=inactive"))
        return SDES_DIR_INACTIVE;
    return SDES_DIR_NONE;
}

void sdes_sdp_free(sdes_sdp *sdp)
{
    if (!sdp)
        return;
    free(sdp->lines);
    sdp->lines = NULL;
    sdp->n_lines = 0;
}

sdes_sdp_status sdes_sdp_parse(const char *body, size_t len, sdes_sdp *s, int *err_line)
{
    int dummy;
    if (!err_line)
        err_line = &dummy;
    *err_line = 0;
    memset(s, 0, sizeof *s);
    s->conn.line = -1;
    if (!body)
        return SDES_SDP_NOT_SDP;
    if (len > SDES_SDP_MAX_BODY)
        return SDES_SDP_TOO_LARGE;
    if (len >= 2 && body[0] == '-' && body[1] == '-')
        return SDES_SDP_MULTIPART;
    if (len < 3 || memcmp(body, "v=0", 3) != 0 || (len > 3 && body[3] != '\r' && body[3] != '\n'))
        return SDES_SDP_NOT_SDP;
    if (memchr(body, '\0', len)) {
        return SDES_SDP_MALFORMED;
    }
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += body[i] == '\n';
    s->body = body;
    s->len = len;
    s->lines = malloc(cap * sizeof *s->lines);
    if (!s->lines)
        return SDES_SDP_ALLOC;
    /* Split on LF; a CR before the LF belongs to the line end. */
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(body + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - body) : len;
        size_t l = end - pos;
        if (l && body[pos + l - 1] == '\r')
            l--;
        s->lines[s->n_lines].off = (uint32_t)pos;
        s->lines[s->n_lines].len = (uint32_t)l;
        s->n_lines++;
        pos = nl ? end + 1 : len;
    }
    /* Blank lines at the very end are dropped (some UAs add one). */
    while (s->n_lines && s->lines[s->n_lines - 1].len == 0)
        s->n_lines--;
    sdes_sdp_media *m = NULL;
    for (int i = 0; i < s->n_lines; i++) {
        const char *p = sdes_sdp_line_ptr(s, i);
        size_t n = s->lines[i].len;
        if (n < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z') {
            *err_line = i + 1;
            goto malformed;
        }
        for (size_t k = 0; k < n; k++) {
            if (p[k] == '\r') { /* a bare CR inside a line */
                *err_line = i + 1;
                goto malformed;
            }
        }
        if (p[0] == 'm') {
            if (m)
                m->end = i;
            if (s->n_media == SDES_MAX_MEDIA) {
                sdes_sdp_free(s);
                return SDES_SDP_TOO_MANY_MEDIA;
            }
            m = &s->media[s->n_media++];
            m->m_line = i;
            m->conn.line = -1;
            m->rtcp_line = -1;
            if (!parse_m(s, i, m)) {
                *err_line = i + 1;
                goto malformed;
            }
        } else if (p[0] == 'c') {
            sdes_sdp_conn *c = m ? &m->conn : &s->conn;
            if (c->line >= 0 || !parse_conn(s, i, c)) {
                *err_line = i + 1;
                goto malformed;
            }
        } else if (p[0] == 'a') {
            sdes_dir d = parse_dir(p, n);
            if (d != SDES_DIR_NONE) {
                if (m)
                    m->dir = d;
                else
                    s->dir = d;
            } else if (is_crypto_attr(p, n)) {
                int *cnt = m ? &m->n_crypto : &s->n_sess_crypto;
                if (*cnt == SDES_SDP_MAX_CRYPTO) {
                    *err_line = i + 1;
                    sdes_sdp_free(s);
                    return SDES_SDP_TOO_MANY_CRYPTO;
                }
                if (m)
                    m->crypto_lines[(*cnt)++] = i;
                else
                    s->sess_crypto_lines[(*cnt)++] = i;
            } else if (m && line_starts(p, n, "a=rtcp:")) {
                m->rtcp_line = i;
            } else if (m && line_is(p, n, "a=rtcp-mux")) {
                m->rtcp_mux = true;
            }
        }
    }
    if (m)
        m->end = s->n_lines;
    return SDES_SDP_OK;
malformed:
    sdes_sdp_free(s);
    return SDES_SDP_MALFORMED;
}

static const struct {
    const char *name;
    sdes_proto proto;
} protos[] = {
    {"RTP/AVP", SDES_PROTO_AVP},
    {"RTP/SAVP", SDES_PROTO_SAVP},
    {"RTP/AVPF", SDES_PROTO_AVPF},
    {"RTP/SAVPF", SDES_PROTO_SAVPF},
};

sdes_proto sdes_sdp_proto(const sdes_sdp *s, const sdes_sdp_media *m)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (line_is(s->body + m->proto.off, m->proto.len, protos[i].name))
            return protos[i].proto;
    return SDES_PROTO_OTHER;
}

const char *sdes_proto_name(sdes_proto p)
{
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++)
        if (protos[i].proto == p)
            return protos[i].name;
    return "?";
}

sdes_proto sdes_proto_to_secure(sdes_proto p)
{
    return p == SDES_PROTO_AVP ? SDES_PROTO_SAVP : p == SDES_PROTO_AVPF ? SDES_PROTO_SAVPF : p;
}

sdes_proto sdes_proto_to_plain(sdes_proto p)
{
    return p == SDES_PROTO_SAVP ? SDES_PROTO_AVP : p == SDES_PROTO_SAVPF ? SDES_PROTO_AVPF : p;
}

sdes_dir sdes_sdp_media_dir(const sdes_sdp *s, const sdes_sdp_media *m)
{
    return m->dir != SDES_DIR_NONE ? m->dir : s->dir;
}

const sdes_sdp_conn *sdes_sdp_media_conn(const sdes_sdp *s, const sdes_sdp_media *m)
{
    if (m->conn.line >= 0)
        return &m->conn;
    if (s->conn.line >= 0)
        return &s->conn;
    return NULL;
}

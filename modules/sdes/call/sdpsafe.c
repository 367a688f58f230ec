/*
 * modules/sdes/call/sdpsafe.c — the neutral SDP that replaces a body sdes.so
 * refused, and the c= check (call/sdpsafe.h).
 *
 * The neutral SDP is built from scratch, never by editing the original:
 * only the m= lines' media, proto and format tokens are read, and each is
 * copied only when it is a plain token, so whatever the refused body held
 * (addresses, ports, a=crypto keys, ICE candidates, a=rtcp, a smuggled
 * value in a format field) cannot survive. Rejecting with port 0 keeps the
 * m= line count and order (RFC 3264 §6: an answer has the offer's m=
 * lines; §8.2: port 0 rejects a stream), so the peer sees a well-formed
 * SDP that carries no media instead of a body it cannot parse.
 */
#include "sdes/call/sdpsafe.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sdes/engine/multipart.h"

#define MAX_FMTS  16
#define MAX_TOKEN 24
#define MAX_NUM   20 /* digits of an o= session id or version (64-bit) */

typedef struct line_iter {
    const char *p, *end;
} line_iter;

/* The next line (without CR/LF) into *s, *n; false at the end. */
static bool next_line(line_iter *it, const char **s, size_t *n)
{
    if (it->p >= it->end)
        return false;
    const char *e = memchr(it->p, '\n', (size_t)(it->end - it->p));
    const char *stop = e ? e : it->end;
    *s = it->p;
    *n = (size_t)(stop - it->p);
    if (*n && (*s)[*n - 1] == '\r')
        (*n)--;
    it->p = e ? e + 1 : it->end;
    return true;
}

/* The SDP inside body: the body itself, or a multipart body's one SDP
 * part. False when there is none (not multipart and not starting with
 * "v=", or a multipart body whose SDP part cannot be told). */
static bool find_sdp(const char *body, size_t len, const char **s, size_t *n)
{
    size_t off, cnt;
    switch (sdes_multipart_sdp(body, len, &off, &cnt)) {
    case SDES_MP_OK:
        body += off;
        len = cnt;
        break;
    case SDES_MP_NOT_MULTIPART:
        break;
    default:
        return false;
    }
    while (len && (*body == '\r' || *body == '\n' || *body == ' ' || *body == '\t')) {
        body++;
        len--;
    }
    if (len < 2 || body[0] != 'v' || body[1] != '=')
        return false;
    *s = body;
    *n = len;
    return true;
}

/* The i-th space-separated field of a line's value (after "x="). */
static bool field(const char *s, size_t n, int i, const char **f, size_t *fn)
{
    size_t k = 0;
    for (int cur = 0;; cur++) {
        while (k < n && s[k] == ' ')
            k++;
        if (k >= n)
            return false;
        size_t start = k;
        while (k < n && s[k] != ' ')
            k++;
        if (cur == i) {
            *f = s + start;
            *fn = k - start;
            return true;
        }
    }
}

static bool token_ok(const char *s, size_t n, const char *extra)
{
    if (n == 0 || n > MAX_TOKEN)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum && !(c && strchr(extra, c)))
            return false;
    }
    return true;
}

static bool digits(const char *s, size_t n, size_t max)
{
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool has_rtp(const char *s, size_t n)
{
    for (size_t i = 0; i + 3 <= n; i++)
        if ((s[i] | 0x20) == 'r' && (s[i + 1] | 0x20) == 't' && (s[i + 2] | 0x20) == 'p')
            return true;
    return false;
}

typedef struct outbuf {
    char *p;
    size_t cap, len;
    bool over;
} outbuf;

static void put(outbuf *o, const char *s, size_t n)
{
    if (o->over || n >= o->cap - o->len) {
        o->over = true;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
}

static void puts_(outbuf *o, const char *s)
{
    put(o, s, strlen(s));
}

/* One m= line, port 0, from the original's tokens. */
static void put_m(outbuf *o, const char *v, size_t n)
{
    const char *f;
    size_t fn;
    puts_(o, "m=");
    if (field(v, n, 0, &f, &fn) && token_ok(f, fn, "-_"))
        put(o, f, fn);
    else
        puts_(o, "audio");
    puts_(o, " 0 ");
    bool rtp = true;
    if (field(v, n, 2, &f, &fn) && token_ok(f, fn, "/._-")) {
        put(o, f, fn);
        rtp = has_rtp(f, fn);
    } else {
        puts_(o, "RTP/AVP");
    }
    int kept = 0;
    for (int i = 3; kept < MAX_FMTS && field(v, n, i, &f, &fn); i++) {
        /* RTP payload types are numbers 0..127 (RFC 3551); other
         * protocols' formats are plain words (no dots: no addresses). */
        if (rtp ? !digits(f, fn, 3) : !token_ok(f, fn, "-_*"))
            continue;
        puts_(o, " ");
        put(o, f, fn);
        kept++;
    }
    if (!kept)
        puts_(o, " 0");
    puts_(o, "\r\n");
}

size_t sdes_call_neuter(const char *body, size_t len, char *out, size_t cap, int *streams)
{
    outbuf o = {out, cap, 0, cap == 0};
    const char *sdp = NULL, *s, *f;
    size_t sdp_len = 0, n, fn;
    char id[MAX_NUM + 1] = "0", ver[MAX_NUM + 1] = "0";
    bool v6 = false, seen_c = false, is_sdp;
    int m = 0;

    if (streams)
        *streams = 0;
    if (cap)
        out[0] = '\0';
    is_sdp = body && find_sdp(body, len, &sdp, &sdp_len);
    line_iter it = {NULL, NULL};
    if (is_sdp)
        it = (line_iter){sdp, sdp + sdp_len};
    while (is_sdp && next_line(&it, &s, &n)) {
        if (n < 2 || s[1] != '=')
            continue;
        if (s[0] == 'o') {
            if (field(s + 2, n - 2, 1, &f, &fn) && digits(f, fn, MAX_NUM))
                snprintf(id, sizeof(id), "%.*s", (int)fn, f);
            if (field(s + 2, n - 2, 2, &f, &fn) && digits(f, fn, MAX_NUM))
                snprintf(ver, sizeof(ver), "%.*s", (int)fn, f);
        } else if (s[0] == 'c' && !seen_c) {
            seen_c = true;
            v6 = field(s + 2, n - 2, 1, &f, &fn) && fn == 3 && memcmp(f, "IP6", 3) == 0;
        }
    }
    const char *null_addr = v6 ? "IN IP6 ::" : "IN IP4 0.0.0.0";
    puts_(&o, "v=0\r\no=- ");
    puts_(&o, id);
    puts_(&o, " ");
    puts_(&o, ver);
    puts_(&o, " ");
    puts_(&o, null_addr);
    puts_(&o, "\r\ns=-\r\nc=");
    puts_(&o, null_addr);
    puts_(&o, "\r\nt=0 0\r\n");
    if (is_sdp)
        it = (line_iter){sdp, sdp + sdp_len};
    while (is_sdp && m < SDES_NEUTER_MAX_M && next_line(&it, &s, &n)) {
        if (n < 2 || s[0] != 'm' || s[1] != '=')
            continue;
        put_m(&o, s + 2, n - 2);
        m++;
    }
    if (o.over) {
        if (cap)
            out[0] = '\0';
        return 0;
    }
    if (streams)
        *streams = m;
    return o.len;
}

/* A value for a message: printable ASCII, at most 64 characters. */
static void show(char *dst, size_t cap, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && i < 64 && k + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        dst[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (cap)
        dst[k < cap ? k : cap - 1] = '\0';
}

int sdes_call_sdp_addr_check(const char *body, size_t len, char *why, size_t cap)
{
    const char *sdp, *s, *f;
    size_t sdp_len, n, fn;
    char v[72], addr[72];

    if (cap)
        why[0] = '\0';
    if (!body || !find_sdp(body, len, &sdp, &sdp_len))
        return 0; /* not an SDP the engine could take: it says why */
    line_iter it = {sdp, sdp + sdp_len};
    while (next_line(&it, &s, &n)) {
        if (n < 2 || s[0] != 'c' || s[1] != '=')
            continue;
        if (!field(s + 2, n - 2, 0, &f, &fn) || fn != 2 || memcmp(f, "IN", 2) != 0) {
            show(v, sizeof(v), s + 2, n - 2);
            snprintf(why, cap, "c=%s: not an IN (Internet) connection address", v);
            return -1;
        }
        if (!field(s + 2, n - 2, 1, &f, &fn) || fn != 3 ||
            (memcmp(f, "IP4", 3) != 0 && memcmp(f, "IP6", 3) != 0)) {
            show(v, sizeof(v), f, fn);
            snprintf(why, cap, "c= address type %s is neither IP4 nor IP6", v);
            return -1;
        }
        bool six = f[2] == '6';
        if (!field(s + 2, n - 2, 2, &f, &fn)) {
            snprintf(why, cap, "c= line without an address");
            return -1;
        }
        const char *slash = memchr(f, '/', fn);
        size_t an = slash ? (size_t)(slash - f) : fn; /* /ttl, /count (RFC 4566 §5.7) */
        unsigned char bin[16];
        bool good = an < sizeof(addr);
        if (good) {
            memcpy(addr, f, an);
            addr[an] = '\0';
            good = inet_pton(six ? AF_INET6 : AF_INET, addr, bin) == 1;
        }
        if (!good) {
            show(v, sizeof(v), f, an);
            snprintf(why, cap,
                     "c= address %s is not an %s address: the media relay needs an IP"
                     " literal (no DNS names)",
                     v, six ? "IPv6" : "IPv4");
            return -1;
        }
    }
    return 0;
}

/*
 * modules/sdes/call/relayspec.c — parser for the "relay" module parameter
 * (syntax in call/relayspec.h). Numeric addresses only: a relay list is read
 * once at start-up and a typo must stop Kamailio, not send keys elsewhere.
 */
#include "sdes/call/relayspec.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

static int fail(char *err, size_t errlen, const char *what, const char *s, size_t n)
{
    if (errlen)
        snprintf(err, errlen, "relay '%.*s': %s", (int)(n > 80 ? 80 : n), s, what);
    return -1;
}

static int parse_uint(const char *s, size_t n, unsigned max, unsigned *out)
{
    unsigned v = 0;
    if (n == 0 || n > 5)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > max)
        return -1;
    *out = v;
    return 0;
}

int sdes_call_relay_spec_parse(const char *s, size_t len, sdes_call_relay_spec *out, char *err,
                               size_t errlen)
{
    char host[64];
    const char *rest, *end;
    size_t rn;

    if (errlen)
        err[0] = '\0';
    if (!s || !out)
        return fail(err, errlen, "bad parameter", "", 0);
    memset(out, 0, sizeof(*out));
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20)
            return fail(err, errlen, "control character", s, len);

    /* Weight: the text after the last '=' (paths and addresses have none). */
    out->weight = 1;
    end = s + len;
    const char *eq = memrchr(s, '=', len);
    if (eq) {
        size_t wn = (size_t)(end - eq - 1);
        if (wn == 7 && memcmp(eq + 1, "standby", 7) == 0)
            out->weight = 0; /* asked for its calls, never given a new one */
        else if (parse_uint(eq + 1, wn, SDES_CALL_RELAY_MAX_WEIGHT, &out->weight) < 0)
            return fail(err, errlen, "weight must be 1..1000 or standby", s, len);
        end = eq;
    }

    if (len > 5 && memcmp(s, "unix:", 5) == 0) {
        struct sockaddr_un *un = (struct sockaddr_un *)&out->sa;
        rest = s + 5;
        rn = (size_t)(end - rest);
        if (rn == 0 || rest[0] != '/')
            return fail(err, errlen, "unix socket path must be absolute", s, len);
        if (rn >= sizeof(un->sun_path) || rn + 6 > sizeof(out->text))
            return fail(err, errlen, "unix socket path too long", s, len);
        un->sun_family = AF_UNIX;
        memcpy(un->sun_path, rest, rn);
        out->salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + rn + 1);
        out->proto = SDES_CALL_RELAY_UNIX;
        snprintf(out->text, sizeof(out->text), "unix:%.*s", (int)rn, rest);
        return 0;
    }
    if (!(len > 4 && memcmp(s, "udp:", 4) == 0))
        return fail(err, errlen, "must start with udp: or unix:", s, len);

    rest = s + 4;
    const char *port_s;
    size_t hn;
    int v6 = 0;
    if (rest < end && rest[0] == '[') {
        const char *rb = memchr(rest, ']', (size_t)(end - rest));
        if (!rb || rb + 1 >= end || rb[1] != ':')
            return fail(err, errlen, "IPv6 form is udp:[ADDR]:PORT", s, len);
        hn = (size_t)(rb - rest - 1);
        if (hn >= sizeof(host))
            return fail(err, errlen, "address too long", s, len);
        memcpy(host, rest + 1, hn);
        port_s = rb + 2;
        v6 = 1;
    } else {
        const char *colon = memrchr(rest, ':', (size_t)(end - rest));
        if (!colon)
            return fail(err, errlen, "missing :PORT", s, len);
        hn = (size_t)(colon - rest);
        if (hn >= sizeof(host))
            return fail(err, errlen, "address too long", s, len);
        memcpy(host, rest, hn);
        port_s = colon + 1;
    }
    host[hn] = '\0';
    unsigned port;
    if (parse_uint(port_s, (size_t)(end - port_s), 65535, &port) < 0)
        return fail(err, errlen, "port must be 1..65535", s, len);

    if (v6) {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&out->sa;
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
            return fail(err, errlen, "not a numeric IPv6 address", s, len);
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        out->salen = sizeof(*a6);
        out->remote = !IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
        snprintf(out->text, sizeof(out->text), "udp:[%s]:%u", host, port);
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&out->sa;
        if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
            return fail(err, errlen, "not a numeric IPv4 address", s, len);
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        out->salen = sizeof(*a4);
        /* 127.0.0.0/8 is loopback (RFC 1122 §3.2.1.3). */
        out->remote = (ntohl(a4->sin_addr.s_addr) >> 24) != 127;
        snprintf(out->text, sizeof(out->text), "udp:%s:%u", host, port);
    }
    out->proto = SDES_CALL_RELAY_UDP;
    return 0;
}

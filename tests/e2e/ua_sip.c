/*
 * tests/e2e/ua_sip.c — UDP SIP for the test agents: send text, receive and
 * parse with libosip2 (osip_message_parse), and build responses from the
 * parsed request (RFC 3261 §8.2.6).
 */
#include "ua_sip.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* host (IPv4, IPv6 with or without [brackets]) and port into a sockaddr. */
int ua_addr_parse(const char *host, unsigned port, struct sockaddr_storage *ss, socklen_t *len)
{
    char h[64];
    size_t n = strlen(host);
    if (n >= sizeof(h))
        return -1;
    if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
        memcpy(h, host + 1, n - 2);
        h[n - 2] = 0;
    } else {
        memcpy(h, host, n + 1);
    }
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, h, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof(*v4);
        return 0;
    }
    if (inet_pton(AF_INET6, h, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*v6);
        return 0;
    }
    return -1;
}

int ua_sip_open(ua_sip *s, const char *host, unsigned port)
{
    struct sockaddr_storage a;
    socklen_t l;
    static int parser_ready;

    if (!parser_ready) {
        parser_init();
        parser_ready = 1;
    }
    memset(s, 0, sizeof(*s));
    if (ua_addr_parse(host, port, &a, &l) < 0) {
        errno = EINVAL;
        return -1;
    }
    s->fd = socket(a.ss_family, SOCK_DGRAM, 0);
    if (s->fd < 0)
        return -1;
    if (bind(s->fd, (struct sockaddr *)&a, l) < 0 ||
        getsockname(s->fd, (struct sockaddr *)&a, &l) < 0) {
        int e = errno;
        close(s->fd);
        errno = e;
        return -1;
    }
    /* The host as it goes into Via, Contact, From (IPv6 in brackets,
     * RFC 3261 §25.1). */
    if (a.ss_family == AF_INET6 && host[0] != '[')
        snprintf(s->host, sizeof(s->host), "[%s]", host);
    else
        snprintf(s->host, sizeof(s->host), "%s", host);
    s->port = a.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&a)->sin6_port)
                                      : ntohs(((struct sockaddr_in *)&a)->sin_port);
    return 0;
}

int ua_sip_send(ua_sip *s, const char *host, unsigned port, const char *text, size_t len)
{
    struct sockaddr_storage a;
    socklen_t l;
    if (ua_addr_parse(host, port, &a, &l) < 0)
        return -1;
    return sendto(s->fd, text, len, 0, (struct sockaddr *)&a, l) < 0 ? -1 : 0;
}

int ua_sip_recv(ua_sip *s, int timeout_ms, osip_message_t **out, unsigned *garbage)
{
    char buf[8192];
    struct pollfd p = {.fd = s->fd, .events = POLLIN};

    *out = NULL;
    int r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (r <= 0)
        return r < 0 && errno != EINTR ? -1 : 0;
    ssize_t n = recv(s->fd, buf, sizeof(buf) - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    osip_message_t *m = NULL;
    if (osip_message_init(&m) != 0)
        return -1;
    if (osip_message_parse(m, buf, (size_t)n) != 0 || !m->call_id || !m->cseq || !m->from ||
        !m->to) {
        osip_message_free(m);
        if (garbage)
            (*garbage)++;
        return 0;
    }
    *out = m;
    return 1;
}

void ua_sip_token(char *buf, size_t cap)
{
    unsigned char r[8];
    RAND_bytes(r, sizeof(r));
    snprintf(buf, cap, "%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5], r[6],
             r[7]);
}

const char *ua_sip_body(osip_message_t *msg, int *is_sdp)
{
    osip_body_t *b = NULL;
    osip_content_type_t *ct = osip_message_get_content_type(msg);
    *is_sdp = !ct || (ct->type && ct->subtype && !osip_strcasecmp(ct->type, "application") &&
                      !osip_strcasecmp(ct->subtype, "sdp"));
    if (osip_message_get_body(msg, 0, &b) != 0 || !b || !b->body)
        return NULL;
    return b->body;
}

/* Append "Name: value\r\n" from a libosip2 to_str; returns -1 when it fails
 * or does not fit. */
static int put_hdr(char *buf, size_t cap, size_t *pos, const char *name, char *val)
{
    if (!val)
        return -1;
    int k = snprintf(buf + *pos, cap - *pos, "%s: %s\r\n", name, val);
    osip_free(val);
    if (k < 0 || (size_t)k >= cap - *pos)
        return -1;
    *pos += (size_t)k;
    return 0;
}

int ua_sip_response(char *buf, size_t cap, osip_message_t *req, int code, const char *reason,
                    const char *to_tag, const char *contact, const char *ctype, const char *body)
{
    size_t pos = 0;
    char *v;
    int k = snprintf(buf, cap, "SIP/2.0 %d %s\r\n", code, reason);
    if (k < 0 || (size_t)k >= cap)
        return -1;
    pos = (size_t)k;
    for (int i = 0;; i++) {
        osip_via_t *via = NULL;
        if (osip_message_get_via(req, i, &via) < 0 || !via) /* returns i on success */
            break;
        v = NULL;
        if (osip_via_to_str(via, &v) != 0 || put_hdr(buf, cap, &pos, "Via", v) < 0)
            return -1;
    }
    v = NULL;
    if (osip_from_to_str(req->from, &v) != 0 || put_hdr(buf, cap, &pos, "From", v) < 0)
        return -1;
    v = NULL;
    if (osip_to_to_str(req->to, &v) != 0 || !v)
        return -1;
    osip_generic_param_t *tag = NULL;
    osip_to_get_tag(req->to, &tag);
    if (!tag && to_tag && code > 100)
        k = snprintf(buf + pos, cap - pos, "To: %s;tag=%s\r\n", v, to_tag);
    else
        k = snprintf(buf + pos, cap - pos, "To: %s\r\n", v);
    osip_free(v);
    if (k < 0 || (size_t)k >= cap - pos)
        return -1;
    pos += (size_t)k;
    v = NULL;
    if (osip_call_id_to_str(req->call_id, &v) != 0 || put_hdr(buf, cap, &pos, "Call-ID", v) < 0)
        return -1;
    v = NULL;
    if (osip_cseq_to_str(req->cseq, &v) != 0 || put_hdr(buf, cap, &pos, "CSeq", v) < 0)
        return -1;
    if (code >= 200 && code < 300 && MSG_IS_INVITE(req)) {
        for (int i = 0;; i++) {
            osip_record_route_t *rr = NULL;
            if (osip_message_get_record_route(req, i, &rr) < 0 || !rr)
                break;
            v = NULL;
            if (osip_record_route_to_str(rr, &v) != 0 ||
                put_hdr(buf, cap, &pos, "Record-Route", v) < 0)
                return -1;
        }
    }
    size_t blen = body ? strlen(body) : 0;
    if (contact) {
        k = snprintf(buf + pos, cap - pos, "Contact: %s\r\n", contact);
        if (k < 0 || (size_t)k >= cap - pos)
            return -1;
        pos += (size_t)k;
    }
    if (ctype) {
        k = snprintf(buf + pos, cap - pos, "Content-Type: %s\r\n", ctype);
        if (k < 0 || (size_t)k >= cap - pos)
            return -1;
        pos += (size_t)k;
    }
    k = snprintf(buf + pos, cap - pos, "Content-Length: %zu\r\n\r\n%s", blen, body ? body : "");
    if (k < 0 || (size_t)k >= cap - pos)
        return -1;
    return (int)(pos + (size_t)k);
}

int ua_sip_uri_hostport(osip_uri_t *uri, char *host, size_t cap, unsigned *port)
{
    if (!uri || !uri->host)
        return -1;
    snprintf(host, cap, "%s", uri->host);
    *port = uri->port ? (unsigned)strtoul(uri->port, NULL, 10) : 5060;
    return 0;
}

void ua_sip_via_target(osip_message_t *req, char *host, size_t cap, unsigned *port)
{
    osip_via_t *via = NULL;
    osip_generic_param_t *rp = NULL, *rc = NULL;
    osip_message_get_via(req, 0, &via);
    if (!via)
        return;
    snprintf(host, cap, "%s", via->host);
    *port = via->port ? (unsigned)atoi(via->port) : 5060;
    osip_via_param_get_byname(via, "received", &rc);
    osip_via_param_get_byname(via, "rport", &rp);
    if (rc && rc->gvalue)
        snprintf(host, cap, "%s", rc->gvalue);
    if (rp && rp->gvalue)
        *port = (unsigned)atoi(rp->gvalue);
}

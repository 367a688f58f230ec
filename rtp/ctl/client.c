/*
 * rtp/ctl/client.c — control-protocol client: cookie, optional HMAC
 * authentication, send with timeout and retransmission of identical bytes,
 * cookie match, reply verification (see client.h, docs/protocol.md).
 */
#include "ctl/client.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/sock.h"

struct ctl_client {
    ctl_addr addr;
    int fd;
    unsigned char *secret;
    size_t secret_len;
    int timeout_ms;
    int retries;
    char *req;       /* CTL_MAX_MSG */
    size_t reply_hw; /* the longest datagram the last call received */
    /* Random bytes for cookies and nonces, drawn from RAND_bytes a pool at
     * a time: one RAND_bytes per request (two with a secret) was 4 % of a
     * Kamailio process's CPU in the call-load bench. Refilled in a forked
     * child (rnd_pid), so two processes never send the same nonce. */
    unsigned char rnd[512];
    size_t rnd_used;
    pid_t rnd_pid;
};

/* n random bytes as hex into out (2 * n + 1), from c's pool; the bytes
 * taken are wiped from it. false when RAND_bytes failed. */
static bool ctl_client_random_hex(ctl_client *c, char *out, size_t n)
{
    pid_t pid = getpid();
    if (n > sizeof(c->rnd))
        return false;
    if (c->rnd_pid != pid || sizeof(c->rnd) - c->rnd_used < n) {
        if (RAND_bytes(c->rnd, (int)sizeof(c->rnd)) != 1)
            return false;
        c->rnd_used = 0;
        c->rnd_pid = pid;
    }
    ctl_hex(c->rnd + c->rnd_used, n, out);
    OPENSSL_cleanse(c->rnd + c->rnd_used, n);
    c->rnd_used += n;
    return true;
}

/* A fresh socket connected to c->addr. A unix datagram socket stays
 * connected to the server's socket *inode*: after srtpd restarts (a new
 * socket file at the same path) every send fails with ECONNREFUSED until the
 * client connects again, so a call reconnects on that (unlike UDP, where
 * connect() only filters addresses). */
static bool ctl_client_connect(ctl_client *c, char *err, size_t errlen)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = socket(c->addr.ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return false;
    }
    if (c->addr.is_unix) {
        /* Linux autobind: an abstract name so the server can reply. */
        sa_family_t fam = AF_UNIX;
        if (bind(c->fd, (struct sockaddr *)&fam, sizeof(fam)) != 0) {
            snprintf(err, errlen, "bind(unix autobind): %s", strerror(errno));
            return false;
        }
    }
    if (connect(c->fd, (struct sockaddr *)&c->addr.ss, c->addr.len) != 0) {
        char name[128];
        ctl_addr_str((const struct sockaddr *)&c->addr.ss, c->addr.len, name, sizeof(name));
        snprintf(err, errlen, "connect(%s): %s", name, strerror(errno));
        return false;
    }
    return true;
}

ctl_client *ctl_client_new(const char *addr, const void *secret, size_t secret_len, int timeout_ms,
                           int retries, char *err, size_t errlen)
{
    ctl_client *c = calloc(1, sizeof(*c));
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->fd = -1;
    if (!ctl_addr_parse(addr, &c->addr, err, errlen))
        goto fail;
    c->req = malloc(CTL_MAX_MSG);
    if (!c->req) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (secret && secret_len) {
        c->secret = malloc(secret_len);
        if (!c->secret) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        memcpy(c->secret, secret, secret_len);
        c->secret_len = secret_len;
    }
    if (!ctl_client_connect(c, err, errlen))
        goto fail;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 1000;
    c->retries = retries >= 0 ? retries : 0;
    return c;
fail:
    ctl_client_free(c);
    return NULL;
}

void ctl_client_free(ctl_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    if (c->secret) {
        OPENSSL_cleanse(c->secret, c->secret_len);
        free(c->secret);
    }
    free(c->req);
    OPENSSL_cleanse(c->rnd, sizeof(c->rnd));
    free(c);
}

static int64_t ctl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ctl_client_call_(ctl_client *c, const char *body, size_t body_len, char *reply_buf,
                            size_t reply_cap, ctl_be_doc *doc, const ctl_be **root, char *err,
                            size_t errlen, size_t *sent)
{
    char cookie[17], nonce[CTL_NONCE_HEX + 1];
    if (!body || body_len < 2 || body[0] != 'd' ||
        body_len + sizeof(cookie) + CTL_AUTH_OVERHEAD > CTL_MAX_MSG) {
        snprintf(err, errlen, "request is not a bencoded dict or is too large");
        return -1;
    }
    nonce[0] = 0; /* only signed requests carry one */
    if (!ctl_client_random_hex(c, cookie, 8) ||
        (c->secret && !ctl_client_random_hex(c, nonce, CTL_NONCE_HEX / 2))) {
        snprintf(err, errlen, "RAND_bytes failed");
        return -1;
    }
    size_t len = (size_t)snprintf(c->req, CTL_MAX_MSG, "%s ", cookie);
    memcpy(c->req + len, body, body_len);
    len += body_len;
    *sent = len;
    if (c->secret && !ctl_auth_sign(c->secret, c->secret_len, c->req, &len, CTL_MAX_MSG,
                                    (int64_t)time(NULL), nonce)) {
        snprintf(err, errlen, "cannot sign the request");
        return -1;
    }
    *sent = len;
    bool refused = false;
    for (int attempt = 0; attempt <= c->retries; attempt++) {
        if (send(c->fd, c->req, len, 0) < 0) {
            if (errno != ECONNREFUSED && errno != ENOENT && errno != ENOTCONN) {
                snprintf(err, errlen, "send: %s", strerror(errno));
                return -1;
            }
            refused = true;
            char cerr[160];
            if (!c->addr.is_unix || !ctl_client_connect(c, cerr, sizeof(cerr)) ||
                send(c->fd, c->req, len, 0) < 0)
                continue;    /* nobody there: no reply to wait for (fail fast, as UDP's ICMP) */
            refused = false; /* srtpd restarted: its new socket took the request */
        }
        int64_t deadline = ctl_now_ms() + c->timeout_ms;
        for (;;) {
            int64_t left = deadline - ctl_now_ms();
            if (left <= 0)
                break;
            struct pollfd p = {.fd = c->fd, .events = POLLIN};
            int r = poll(&p, 1, (int)left);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            ssize_t n = recv(c->fd, reply_buf, reply_cap, MSG_DONTWAIT);
            if (n > 0 && (size_t)n > c->reply_hw)
                c->reply_hw = (size_t)n;
            if (n < 0) {
                if (errno == ECONNREFUSED) {
                    refused = true;
                    break;
                }
                continue;
            }
            const char *rc, *rb;
            size_t rcl, rbl;
            /* Replies to an earlier request (late retransmission answers)
             * carry another cookie: skip them. */
            if (!ctl_ng_split(reply_buf, (size_t)n, &rc, &rcl, &rb, &rbl) ||
                rcl != strlen(cookie) || memcmp(rc, cookie, rcl) != 0)
                continue;
            const ctl_be *r0 = ctl_be_decode(doc, rb, rbl);
            if (!r0 || r0->type != CTL_BE_DICT) {
                snprintf(err, errlen, "malformed reply: %s", r0 ? "not a dict" : doc->err);
                return -1;
            }
            if (c->secret) {
                char rn[CTL_NONCE_HEX + 1];
                const char *why =
                    ctl_auth_verify(c->secret, c->secret_len, reply_buf, (size_t)n, doc, r0,
                                    (int64_t)time(NULL), CTL_AUTH_SKEW_S, rn);
                if (why) {
                    snprintf(err, errlen, "reply not authenticated: %s", why);
                    return -1;
                }
                if (memcmp(rn, nonce, CTL_NONCE_HEX) != 0) {
                    snprintf(err, errlen, "reply not authenticated: nonce mismatch");
                    return -1;
                }
            }
            *root = r0;
            return 0;
        }
    }
    if (refused)
        snprintf(err, errlen, "connection refused (is srtpd running?)");
    else
        snprintf(err, errlen, "no reply after %d attempt(s) of %d ms", c->retries + 1,
                 c->timeout_ms);
    return -1;
}

int ctl_client_call(ctl_client *c, const char *body, size_t body_len, char *reply_buf,
                    size_t reply_cap, ctl_be_doc *doc, const ctl_be **root, char *err,
                    size_t errlen)
{
    size_t sent = 0;
    err[0] = 0;
    c->reply_hw = 0;
    int r =
        ctl_client_call_(c, body, body_len, reply_buf, reply_cap, doc, root, err, errlen, &sent);
    /* The request may carry master keys: wipe our copy. */
    OPENSSL_cleanse(c->req, sent);
    return r;
}

size_t ctl_client_reply_hw(const ctl_client *c)
{
    return c->reply_hw;
}

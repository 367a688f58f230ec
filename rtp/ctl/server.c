/*
 * rtp/ctl/server.c — one control datagram in, at most one reply out: ng
 * framing, bencode decode, HMAC + timestamp + nonce checks, reply cache.
 * The order matters: authentication comes before the cache so an
 * unauthenticated sender cannot read a cached reply by guessing a cookie,
 * and the cache comes before the nonce check so a client's retransmission
 * (same bytes, same nonce) gets its reply instead of a replay refusal.
 */
#include "ctl/server.h"

#include <errno.h>
#include <stdio.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

struct ctl_server {
    int fd;
    unsigned char *secret;
    size_t secret_len;
    int64_t skew;
    ctl_handler_fn fn;
    void *arg;
    ctl_cache *cache;
    ctl_nonce_set *nonces;
    ctl_be_doc *doc;
    char *in;
    char *out;
    ctl_server_stats st;
};

ctl_server *ctl_server_new(int fd, const void *secret, size_t secret_len, ctl_handler_fn fn,
                           void *arg)
{
    ctl_server *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->fd = fd;
    s->fn = fn;
    s->arg = arg;
    s->skew = CTL_AUTH_SKEW_S;
    s->cache = ctl_cache_new(4096, 30000);
    s->nonces = ctl_nonce_set_new(1 << 18, CTL_AUTH_SKEW_S);
    s->doc = malloc(sizeof(*s->doc));
    s->in = malloc(CTL_MAX_MSG + 1);
    s->out = malloc(CTL_MAX_MSG);
    if (secret && secret_len) {
        s->secret = malloc(secret_len);
        if (s->secret) {
            memcpy(s->secret, secret, secret_len);
            s->secret_len = secret_len;
        }
    }
    if (!s->cache || !s->nonces || !s->doc || !s->in || !s->out ||
        (secret && secret_len && !s->secret)) {
        ctl_server_free(s);
        return NULL;
    }
    return s;
}

void ctl_server_free(ctl_server *s)
{
    if (!s)
        return;
    if (s->secret) {
        OPENSSL_cleanse(s->secret, s->secret_len);
        free(s->secret);
    }
    ctl_cache_free(s->cache);
    ctl_nonce_set_free(s->nonces);
    free(s->doc);
    free(s->in);
    free(s->out);
    free(s);
}

void ctl_server_set_skew(ctl_server *s, int64_t skew_s)
{
    s->skew = skew_s;
}

const ctl_server_stats *ctl_server_get_stats(const ctl_server *s)
{
    return &s->st;
}

static int64_t ctl_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void ctl_server_expire(ctl_server *s)
{
    ctl_cache_expire(s->cache, ctl_mono_ms());
}

/* An error reply without running a handler. */
static void ctl_error_body(ctl_benc *w, const char *why)
{
    ctl_benc_kv_cstr(w, "error-reason", why);
    ctl_benc_kv_cstr(w, "result", "error");
}

void ctl_server_handle(ctl_server *s, const char *msg, size_t len, const char **reply,
                       size_t *reply_len)
{
    const char *cookie, *body;
    size_t cookie_len, body_len;
    *reply = NULL;
    *reply_len = 0;
    s->st.received++;
    if (!ctl_ng_split(msg, len, &cookie, &cookie_len, &body, &body_len)) {
        s->st.malformed++;
        return;
    }
    int64_t now_s = (int64_t)time(NULL), now_ms = ctl_mono_ms();
    const ctl_be *root = ctl_be_decode(s->doc, body, body_len);
    const char *bad = NULL;
    char nonce[CTL_NONCE_HEX + 1] = {0};
    char errbuf[96];
    if (!root) {
        snprintf(errbuf, sizeof(errbuf), "malformed bencode: %s at byte %zu", s->doc->err,
                 s->doc->err_off);
        bad = errbuf;
    } else if (root->type != CTL_BE_DICT) {
        bad = "message is not a dictionary";
    }
    if (s->secret) {
        /* Nothing that fails authentication gets an answer. */
        if (bad || ctl_auth_verify(s->secret, s->secret_len, msg, len, s->doc, root, now_s, s->skew,
                                   nonce)) {
            s->st.auth_failed++;
            return;
        }
    }
    uint8_t digest[32];
    ctl_digest(msg, len, digest);
    const char *cached;
    size_t cached_len;
    int hit = ctl_cache_lookup(s->cache, cookie, cookie_len, digest, now_ms, &cached, &cached_len);
    if (hit == 1) {
        s->st.retransmits++;
        *reply = cached;
        *reply_len = cached_len;
        return;
    }
    if (s->secret) {
        int r = ctl_nonce_check_add(s->nonces, nonce, now_s);
        if (r != 0) {
            s->st.replayed++;
            return;
        }
    }

    ctl_benc w;
    ctl_benc_init(&w, s->out, CTL_MAX_MSG - CTL_AUTH_OVERHEAD);
    ctl_benc_raw(&w, cookie, cookie_len);
    ctl_benc_raw(&w, " ", 1);
    ctl_benc_dict(&w);
    if (hit == -1) {
        ctl_error_body(&w, "cookie reused for a different request");
    } else if (bad) {
        s->st.malformed++;
        ctl_error_body(&w, bad);
    } else {
        s->st.executed++;
        s->fn(s->arg, s->doc, root, &w);
    }
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w)) {
        ctl_benc_init(&w, s->out, CTL_MAX_MSG - CTL_AUTH_OVERHEAD);
        ctl_benc_raw(&w, cookie, cookie_len);
        ctl_benc_raw(&w, " ", 1);
        ctl_benc_dict(&w);
        ctl_error_body(&w, "reply too large");
        ctl_benc_end(&w);
    }
    size_t n = w.len;
    if (s->secret &&
        !ctl_auth_sign(s->secret, s->secret_len, s->out, &n, CTL_MAX_MSG, now_s, nonce))
        return;
    ctl_cache_store(s->cache, cookie, cookie_len, digest, s->out, n, now_ms);
    *reply = s->out;
    *reply_len = n;
}

void ctl_server_poll(ctl_server *s)
{
    for (int i = 0; i < 256; i++) {
        struct sockaddr_storage from;
        socklen_t flen = sizeof(from);
        ssize_t n =
            recvfrom(s->fd, s->in, CTL_MAX_MSG + 1, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if ((size_t)n > CTL_MAX_MSG) {
            s->st.malformed++;
            continue;
        }
        const char *reply;
        size_t rlen;
        ctl_server_handle(s, s->in, (size_t)n, &reply, &rlen);
        if (rlen && flen > sizeof(sa_family_t))
            sendto(s->fd, reply, rlen, MSG_DONTWAIT, (struct sockaddr *)&from, flen);
        /* Requests carry master keys, some replies the SIP side's state:
         * wipe both once handled (the cache keeps its own copy). */
        OPENSSL_cleanse(s->in, (size_t)n);
        if (rlen && reply == s->out)
            OPENSSL_cleanse(s->out, rlen);
    }
}

/*
 * rtp/relay/store_redis.c — address, credentials and connection of the
 * store's Redis (store_redis.h).
 */
#include "relay/store_redis.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "ctl/secret.h"

bool relay_redis_parse(const char *url, relay_redis_addr *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof(*a));
    const char *p = url;
    if (!strncmp(p, "unix:", 5) || p[0] == '/') {
        p += p[0] == '/' ? 0 : 5;
        size_t n = strcspn(p, "?");
        if (!n || n >= sizeof(a->path)) {
            snprintf(err, errlen, "redis: unix socket path empty or too long");
            return false;
        }
        memcpy(a->path, p, n);
        if (p[n] && (strncmp(p + n, "?db=", 4) || (a->db = atoi(p + n + 4)) < 0)) {
            snprintf(err, errlen, "redis: after the socket path only ?db=N");
            return false;
        }
        return true;
    }
    if (strncmp(p, "redis://", 8)) {
        snprintf(err, errlen, "redis: want redis://HOST:PORT/DB or a unix socket path");
        return false;
    }
    p += 8;
    const char *at = strchr(p, '@');
    if (at) {
        size_t n = (size_t)(at - p);
        if (n >= sizeof(a->user) || memchr(p, ':', n)) {
            snprintf(err, errlen, "redis: a password goes in redis-auth-file, not the URL");
            return false;
        }
        memcpy(a->user, p, n);
        p = at + 1;
    }
    size_t hn;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (!e) {
            snprintf(err, errlen, "redis: unclosed [");
            return false;
        }
        hn = (size_t)(e - p - 1);
        if (hn >= sizeof(a->host))
            hn = 0;
        memcpy(a->host, p + 1, hn);
        p = e + 1;
    } else {
        hn = strcspn(p, ":/");
        if (hn >= sizeof(a->host))
            hn = 0;
        memcpy(a->host, p, hn);
        p += hn;
    }
    if (!hn) {
        snprintf(err, errlen, "redis: host missing or too long");
        return false;
    }
    a->port = 6379;
    if (*p == ':') {
        char *e;
        long v = strtol(p + 1, &e, 10);
        if (v < 1 || v > 65535) {
            snprintf(err, errlen, "redis: port not in 1..65535");
            return false;
        }
        a->port = (int)v;
        p = e;
    }
    if (*p == '/' && p[1]) {
        char *e;
        long v = strtol(p + 1, &e, 10);
        if (v < 0 || v > 15 || *e) {
            snprintf(err, errlen, "redis: database not in 0..15");
            return false;
        }
        a->db = (int)v;
    } else if (*p && strcmp(p, "/")) {
        snprintf(err, errlen, "redis: unexpected text after the address");
        return false;
    }
    return true;
}

bool relay_redis_auth_file(const char *path, relay_redis_addr *a, char *err, size_t errlen)
{
    char line[CTL_SECRET_MAX + 1], sub[200], warn[200];
    size_t n;
    /* The control secret's rules (mode, length): a password is as
     * sensitive, and the floor refuses empty or one-word files. */
    if (!ctl_secret_read_file(path, line, sizeof(line), &n, sub, sizeof(sub), warn, sizeof(warn))) {
        snprintf(err, errlen, "redis-auth-file: %s", sub);
        return false;
    }
    char *sp = strchr(line, ' ');
    const char *pass = line;
    if (sp) {
        *sp = 0;
        if (strlen(line) >= sizeof(a->user)) {
            OPENSSL_cleanse(line, sizeof(line));
            snprintf(err, errlen, "redis-auth-file: user name too long");
            return false;
        }
        strcpy(a->user, line);
        pass = sp + 1;
    }
    snprintf(a->pass, sizeof(a->pass), "%s", pass);
    OPENSSL_cleanse(line, sizeof(line));
    return true;
}

redisContext *relay_redis_connect(const relay_redis_addr *a, int timeout_ms, char *why,
                                  size_t whylen)
{
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    redisContext *c = a->host[0] ? redisConnectWithTimeout(a->host, a->port, tv)
                                 : redisConnectUnixWithTimeout(a->path, tv);
    if (!c || c->err) {
        snprintf(why, whylen, "%s", c ? c->errstr : "out of memory");
        redisFree(c);
        return NULL;
    }
    redisSetTimeout(c, tv);
    redisReply *r = NULL;
    if (a->pass[0]) {
        r = a->user[0] ? redisCommand(c, "AUTH %s %s", a->user, a->pass)
                       : redisCommand(c, "AUTH %s", a->pass);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            snprintf(why, whylen, "AUTH refused%s%s", r ? ": " : "", r ? r->str : "");
            goto fail;
        }
        freeReplyObject(r);
    }
    if (a->db) {
        r = redisCommand(c, "SELECT %d", a->db);
        if (!r || r->type == REDIS_REPLY_ERROR) {
            snprintf(why, whylen, "SELECT %d refused", a->db);
            goto fail;
        }
        freeReplyObject(r);
    }
    return c;
fail:
    if (r)
        freeReplyObject(r);
    redisFree(c);
    return NULL;
}

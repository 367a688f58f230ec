/*
 * rtp/relay/store_redis.h — the Redis connection of srtpd's store: the
 * address (`redis = redis://[USER@]HOST:PORT/DB`, `redis = unix:/PATH` or
 * a bare /PATH, with `?db=N` for a socket), AUTH from `redis-auth-file`
 * ("USER PASSWORD" or "PASSWORD" on its first line, same file rules as the
 * control secret) and SELECT. Used by the writer thread and, at start or
 * takeover, by the control thread for its one blocking read.
 */
#ifndef SDESGATE_RELAY_STORE_REDIS_H
#define SDESGATE_RELAY_STORE_REDIS_H

#include <hiredis/hiredis.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct relay_redis_addr {
    char host[256]; /* "" = unix socket */
    int port;
    char path[256];
    int db;
    char user[128];
    char pass[256];
} relay_redis_addr;

/* Parses `redis`; false with a message. */
bool relay_redis_parse(const char *url, relay_redis_addr *a, char *err, size_t errlen);
/* Reads `redis-auth-file` into a. */
bool relay_redis_auth_file(const char *path, relay_redis_addr *a, char *err, size_t errlen);
/* Connects (timeout_ms for connect and each command), AUTH, SELECT.
 * NULL with why filled. */
redisContext *relay_redis_connect(const relay_redis_addr *a, int timeout_ms, char *why,
                                  size_t whylen);

#endif

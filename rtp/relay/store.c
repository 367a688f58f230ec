/*
 * rtp/relay/store.c — the store's queue and writer thread (store.h).
 *
 * The control thread encodes and seals a call's record (store_codec.c) and
 * queues it under the call's id; a record still waiting for the same call
 * is replaced (the latest version wins), so the queue holds at most one
 * record per call and never more than RELAY_STORE_QUEUE_MAX. The writer
 * takes the whole queue at once and pipelines it to Redis (SET / DEL), and
 * once a second writes the active relay's heartbeat. When Redis fails the
 * writer drops its batch, logs once, counts, and retries every second; when
 * it is back it asks the control thread (relay_store_tick) to queue every
 * live call again; deletes lost meanwhile are kept and sent first. A
 * record srtpd cannot read (another group secret) is never deleted by it.
 */
#include "relay/store.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctl/secret.h"
#include "relay/daemon.h"
#include "relay/log.h"
#include "relay/recover.h"
#include "relay/store_codec.h"
#include "relay/store_rec.h"
#include "relay/store_redis.h"

typedef struct store_item {
    char id[RELAY_CALLID_MAX];
    char *val; /* NULL: delete */
    size_t len;
    struct store_item *next, *hnext;
} store_item;

#define STORE_BUCKETS    4096
#define STORE_GATHER_US  2000 /* a batch gathers this long: the write's delay */
#define STORE_GATHER_MAX 1024 /* or until this many records wait */

static struct {
    bool on;
    atomic_bool standby; /* read by the writer, changed by a takeover */
    /* Another relay wrote the heartbeat: it took the calls over (this one
     * was thought dead). From then on this relay writes nothing. */
    atomic_bool fenced, claim;
    char self[17]; /* this process's heartbeat value, random hex */
    relay_redis_addr addr;
    relay_store_keys keys;
    char prefix[64];
    int hb_ms;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    store_item *head, *tail;
    store_item *bucket[STORE_BUCKETS];
    size_t queued;
    bool hold; /* a resync is being queued: the writer waits for all of it */
    atomic_bool resync_wanted, connected, active_alive;
    atomic_uint_fast64_t writes, deletes, errors, outages, dropped, resyncs;
    int64_t hb_missing_since;
    char *buf; /* encode buffer, control thread */
} S;

bool relay_store_enabled(void)
{
    return S.on;
}

bool relay_store_standby(void)
{
    return S.on && atomic_load(&S.standby);
}

static int64_t store_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned store_hash(const char *s)
{
    unsigned h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h % STORE_BUCKETS;
}

static void store_item_free(store_item *it)
{
    if (it->val) {
        OPENSSL_cleanse(it->val, it->len);
        free(it->val);
    }
    free(it);
}

/* Queues val (owned) for id; NULL val = delete. */
static void store_enqueue(const char *id, char *val, size_t len)
{
    pthread_mutex_lock(&S.mu);
    bool was_empty = !S.head;
    unsigned h = store_hash(id);
    store_item *it = S.bucket[h];
    while (it && strcmp(it->id, id))
        it = it->hnext;
    if (it) {
        if (it->val) {
            OPENSSL_cleanse(it->val, it->len);
            free(it->val);
        }
        it->val = val;
        it->len = len;
    } else if ((val && S.queued >= RELAY_STORE_QUEUE_MAX) || !(it = calloc(1, sizeof(*it)))) {
        /* Full: the record is lost now, the next resync writes it. */
        atomic_fetch_add(&S.dropped, 1);
        atomic_store(&S.resync_wanted, true);
        free(val);
    } else {
        snprintf(it->id, sizeof(it->id), "%s", id);
        it->val = val;
        it->len = len;
        it->hnext = S.bucket[h];
        S.bucket[h] = it;
        if (S.tail)
            S.tail->next = it;
        else
            S.head = it;
        S.tail = it;
        S.queued++;
    }
    /* The writer is woken by the first record of a batch (it then gathers
     * for STORE_GATHER_US) or by a large queue; not once per record. */
    if (was_empty || S.queued >= STORE_GATHER_MAX)
        pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
}

void relay_store_put(relay_daemon *d, relay_call *call)
{
    if (!S.on || atomic_load(&S.standby) || atomic_load(&S.fenced))
        return;
    if (!call->rec && !(call->rec = calloc(1, sizeof(*call->rec))))
        return;
    call->rec->version++;
    int64_t created = store_unix_ms() - (relay_now_ms() - call->created_ms);
    size_t len = relay_store_encode(&S.keys, call, created, S.buf, RELAY_STORE_REC_MAX);
    char *val = len ? malloc(len) : NULL;
    if (!val) {
        RELAY_LOG_LIMITED(RELAY_LOG_ERR, 1, "store: call %s: record not written (%s)", call->id,
                          len ? "out of memory" : "too large or sealing failed");
        atomic_fetch_add(&S.errors, 1);
        return;
    }
    memcpy(val, S.buf, len);
    (void)d;
    store_enqueue(call->id, val, len);
}

void relay_store_gone(relay_daemon *d, relay_call *call, const char *why)
{
    (void)d;
    if (S.on && !atomic_load(&S.standby) && !atomic_load(&S.fenced) && strcmp(why, "shutdown") != 0)
        store_enqueue(call->id, NULL, 0);
    relay_rec_free(call);
}

static bool store_write_batch(redisContext *c, store_item *batch)
{
    size_t n = 0;
    for (store_item *it = batch; it; it = it->next, n++) {
        if (it->val)
            redisAppendCommand(c, "SET %s:call:%s %b", S.prefix, it->id, it->val, it->len);
        else
            redisAppendCommand(c, "DEL %s:call:%s", S.prefix, it->id);
    }
    bool ok = true;
    for (store_item *it = batch; it; it = it->next) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
            ok = false;
            break;
        }
        if (r->type == REDIS_REPLY_ERROR) {
            atomic_fetch_add(&S.errors, 1);
            RELAY_LOG_LIMITED(RELAY_LOG_ERR, 1, "store: call %s: Redis refused: %s", it->id,
                              r->str);
        } else {
            atomic_fetch_add(it->val ? &S.writes : &S.deletes, 1);
        }
        freeReplyObject(r);
    }
    return ok && !c->err;
}

static void *store_writer(void *arg)
{
    (void)arg;
    redisContext *c = NULL;
    bool down_logged = false;
    uint64_t lost = 0;
    store_item *retry = NULL; /* deletes lost in an outage */
    int64_t next_hb = 0;
    pthread_mutex_lock(&S.mu);
    for (;;) {
        /* Wait for records (or 250 ms: the heartbeat), never taking a
         * resync that is still being queued. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!S.stop && (S.hold || !S.head)) {
            if (S.hold)
                pthread_cond_wait(&S.cv, &S.mu);
            else if (pthread_cond_timedwait(&S.cv, &S.mu, &ts) == ETIMEDOUT && !S.hold)
                break;
        }
        /* Records came: let a burst of call set-ups gather into one
         * pipelined batch (one wake-up and round trip, not one each). */
        if (S.head && !S.stop && !S.hold && S.queued < STORE_GATHER_MAX) {
            pthread_mutex_unlock(&S.mu);
            usleep(STORE_GATHER_US);
            pthread_mutex_lock(&S.mu);
            while (S.hold && !S.stop)
                pthread_cond_wait(&S.cv, &S.mu);
        }
        store_item *batch = S.head;
        S.head = S.tail = NULL;
        S.queued = 0;
        memset(S.bucket, 0, sizeof(S.bucket));
        /* At stop the last records still go out (a SIGTERM restart keeps
         * its calls), then the thread ends. */
        bool stopping = S.stop;
        pthread_mutex_unlock(&S.mu);

        if (!c) {
            char why[200];
            c = relay_redis_connect(&S.addr, 500, why, sizeof(why));
            if (!c) {
                if (!down_logged) {
                    relay_log(RELAY_LOG_ERR,
                              "store: Redis unreachable (%s): calls keep relaying; they are "
                              "written again when it is back",
                              why);
                    down_logged = true;
                    atomic_fetch_add(&S.outages, 1);
                }
                atomic_store(&S.connected, false);
            } else {
                if (down_logged)
                    relay_log(RELAY_LOG_INFO,
                              "store: Redis is back (%llu record(s) lost meanwhile): writing "
                              "every call again",
                              (unsigned long long)lost);
                down_logged = false;
                lost = 0;
                atomic_store(&S.connected, true);
                /* After any (re)connect every live call is written again:
                 * what failed or was dropped meanwhile is in no queue. */
                atomic_store(&S.resync_wanted, true);
            }
        }
        if (c && retry) {
            store_item *last = retry;
            while (last->next)
                last = last->next;
            last->next = batch;
            batch = retry;
            retry = NULL;
        }
        if (atomic_load(&S.fenced)) {
            store_item *n;
            for (; batch; batch = n) {
                n = batch->next;
                store_item_free(batch);
            }
        }
        bool wrote = false;
        if (c && batch) {
            wrote = store_write_batch(c, batch);
            if (!wrote) {
                redisFree(c);
                c = NULL;
            }
        }
        /* A lost record is written again by the resync after the
         * reconnect; a lost delete is not (the call is gone): it is kept
         * and goes first in the next batch. */
        for (store_item **pp = &batch; *pp && !wrote;) {
            store_item *it = *pp;
            lost++;
            if (!it->val) {
                *pp = it->next;
                it->next = retry;
                retry = it;
            } else {
                pp = &it->next;
            }
        }
        int64_t now = store_unix_ms();
        if (c && now >= next_hb && !atomic_load(&S.fenced)) {
            /* The active relay's heartbeat holds its own random value: the
             * first write after start or takeover claims the key, every
             * later one (SET ... GET) checks nobody else claimed it since. */
            bool standby = atomic_load(&S.standby), claim = atomic_exchange(&S.claim, false);
            redisReply *r =
                standby ? redisCommand(c, "PTTL %s:hb", S.prefix)
                : claim ? redisCommand(c, "SET %s:hb %s PX %d", S.prefix, S.self, S.hb_ms * 3)
                        : redisCommand(c, "SET %s:hb %s PX %d GET", S.prefix, S.self, S.hb_ms * 3);
            if (!r) {
                redisFree(c);
                c = NULL;
                if (claim)
                    atomic_store(&S.claim, true);
            } else {
                if (standby)
                    atomic_store(&S.active_alive, r->type == REDIS_REPLY_INTEGER && r->integer > 0);
                else if (r->type == REDIS_REPLY_STRING && strcmp(r->str, S.self) != 0) {
                    atomic_store(&S.fenced, true);
                    relay_log(RELAY_LOG_ERR,
                              "store: another relay took the calls of prefix %s over: this "
                              "relay writes nothing more (its calls keep relaying here until "
                              "it stops; restart it as standby)",
                              S.prefix);
                }
                freeReplyObject(r);
            }
            next_hb = now + S.hb_ms;
        }
        while (batch) {
            store_item *n = batch->next;
            store_item_free(batch);
            batch = n;
        }
        pthread_mutex_lock(&S.mu);
        if (stopping && !S.head)
            break;
    }
    pthread_mutex_unlock(&S.mu);
    while (retry) {
        store_item *n = retry->next;
        store_item_free(retry);
        retry = n;
    }
    if (c)
        redisFree(c);
    return NULL;
}

static bool store_read_secret(const char *path, const char *what, char *out, size_t *len, char *err,
                              size_t errlen)
{
    char sub[200], warn[200];
    if (!ctl_secret_read_file(path, out, CTL_SECRET_MAX + 1, len, sub, sizeof(sub), warn,
                              sizeof(warn))) {
        snprintf(err, errlen, "%s: %s", what, sub);
        return false;
    }
    if (warn[0])
        relay_log(RELAY_LOG_WARN, "%s: %s", what, warn);
    return true;
}

bool relay_store_start(relay_daemon *d, char *err, size_t errlen)
{
    const relay_config *cfg = &d->cfg;
    if (!cfg->redis[0])
        return true;
    if (!relay_redis_parse(cfg->redis, &S.addr, err, errlen))
        return false;
    if (cfg->redis_auth_file[0] &&
        !relay_redis_auth_file(cfg->redis_auth_file, &S.addr, err, errlen))
        return false;
    if (!cfg->redis_secret_file[0]) {
        snprintf(err, errlen,
                 "redis needs redis-secret-file: keys are sealed before they leave srtpd");
        return false;
    }
    char cur[CTL_SECRET_MAX + 1], prev[CTL_SECRET_MAX + 1];
    size_t cl = 0, pl = 0;
    bool ok =
        store_read_secret(cfg->redis_secret_file, "redis-secret-file", cur, &cl, err, errlen) &&
        (!cfg->redis_secret_prev_file[0] ||
         store_read_secret(cfg->redis_secret_prev_file, "redis-secret-file-previous", prev, &pl,
                           err, errlen));
    if (ok && !relay_store_keys_init(&S.keys, cur, cl, pl ? prev : NULL, pl)) {
        snprintf(err, errlen, "redis-secret-file: key derivation failed");
        ok = false;
    }
    OPENSSL_cleanse(cur, sizeof(cur));
    OPENSSL_cleanse(prev, sizeof(prev));
    if (!ok)
        return false;
    if (strcmp(cfg->redis_role, "active") && strcmp(cfg->redis_role, "standby")) {
        snprintf(err, errlen, "redis-role: want active or standby");
        return false;
    }
    atomic_store(&S.standby, !strcmp(cfg->redis_role, "standby"));
    atomic_store(&S.claim, !atomic_load(&S.standby));
    uint8_t rnd[8];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
        snprintf(err, errlen, "no random bytes for the heartbeat");
        return false;
    }
    for (int i = 0; i < 8; i++)
        snprintf(S.self + 2 * i, 3, "%02x", rnd[i]);
    snprintf(S.prefix, sizeof(S.prefix), "%s", cfg->redis_prefix);
    S.hb_ms = RELAY_STORE_HEARTBEAT_MS;
    relay_store_codec_interfaces(&d->ifaces);
    S.buf = malloc(RELAY_STORE_REC_MAX);
    if (!S.buf) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    pthread_mutex_init(&S.mu, NULL);
    pthread_cond_init(&S.cv, NULL);
    S.on = true;
    if (pthread_create(&S.th, NULL, store_writer, NULL) != 0) {
        S.on = false;
        snprintf(err, errlen, "cannot start the store's writer thread");
        return false;
    }
    relay_log(RELAY_LOG_INFO, "store: Redis %s%s, prefix %s, %s",
              S.addr.host[0] ? S.addr.host : S.addr.path, S.addr.pass[0] ? " (AUTH)" : "", S.prefix,
              atomic_load(&S.standby) ? "standby" : "active");
    return true;
}

int relay_store_recover(relay_daemon *d)
{
    if (!S.on || atomic_load(&S.standby))
        return 0;
    char why[200];
    redisContext *c = relay_redis_connect(&S.addr, 2000, why, sizeof(why));
    if (!c) {
        relay_log(RELAY_LOG_ERR, "store: cannot read the calls back: Redis: %s", why);
        return 0;
    }
    int n = relay_recover_all(d, c, S.prefix, &S.keys);
    redisFree(c);
    return n;
}

/* Takes the calls over: the standby becomes active (srtpctl takeover, or
 * the active relay's heartbeat expired). */
bool relay_store_takeover(relay_daemon *d, const char *why)
{
    if (!S.on || !atomic_load(&S.standby))
        return false;
    relay_log(RELAY_LOG_WARN, "store: taking over the calls of prefix %s (%s)", S.prefix, why);
    atomic_store(&S.claim, true);
    atomic_store(&S.standby, false);
    int n = relay_store_recover(d);
    relay_log(RELAY_LOG_INFO, "store: took over %d call(s); now active", n);
    atomic_store(&S.resync_wanted, true);
    return true;
}

void relay_store_tick(relay_daemon *d)
{
    if (!S.on)
        return;
    if (atomic_load(&S.standby)) {
        /* The active relay's heartbeat: missing for 3 beats = dead. */
        if (atomic_load(&S.connected) && !atomic_load(&S.active_alive)) {
            if (!S.hb_missing_since)
                S.hb_missing_since = relay_now_ms();
            else if (relay_now_ms() - S.hb_missing_since >= S.hb_ms)
                relay_store_takeover(d, "the active relay's heartbeat expired");
        } else {
            S.hb_missing_since = 0;
        }
        return;
    }
    bool resync = atomic_exchange(&S.resync_wanted, false);
    if (resync) {
        /* Every live call goes in one batch (after the deletes kept
         * from the outage: store_writer). */
        atomic_fetch_add(&S.resyncs, 1);
        pthread_mutex_lock(&S.mu);
        S.hold = true;
        pthread_mutex_unlock(&S.mu);
    }
    relay_rec_marks_tick(d, resync, relay_store_put);
    if (resync) {
        pthread_mutex_lock(&S.mu);
        S.hold = false;
        pthread_cond_signal(&S.cv);
        pthread_mutex_unlock(&S.mu);
    }
}

void relay_store_stats(ctl_benc *w)
{
    ctl_benc_cstr(w, "store");
    ctl_benc_dict(w);
    ctl_benc_kv_int(w, "connected", S.on && atomic_load(&S.connected));
    ctl_benc_kv_int(w, "deletes", (int64_t)atomic_load(&S.deletes));
    ctl_benc_kv_int(w, "dropped", (int64_t)atomic_load(&S.dropped));
    ctl_benc_kv_int(w, "enabled", S.on);
    ctl_benc_kv_int(w, "errors", (int64_t)atomic_load(&S.errors));
    ctl_benc_kv_int(w, "outages", (int64_t)atomic_load(&S.outages));
    ctl_benc_kv_int(w, "resyncs", (int64_t)atomic_load(&S.resyncs));
    ctl_benc_kv_cstr(w, "role",
                     !S.on                     ? "none"
                     : atomic_load(&S.fenced)  ? "fenced"
                     : atomic_load(&S.standby) ? "standby"
                                               : "active");
    ctl_benc_kv_int(w, "writes", (int64_t)atomic_load(&S.writes));
    ctl_benc_end(w);
}

void relay_store_stop(relay_daemon *d)
{
    (void)d;
    if (!S.on)
        return;
    pthread_mutex_lock(&S.mu);
    S.stop = true;
    pthread_cond_signal(&S.cv);
    pthread_mutex_unlock(&S.mu);
    pthread_join(S.th, NULL);
    while (S.head) {
        store_item *n = S.head->next;
        store_item_free(S.head);
        S.head = n;
    }
    relay_store_keys_wipe(&S.keys);
    OPENSSL_cleanse(S.addr.pass, sizeof(S.addr.pass));
    free(S.buf);
    S.on = false;
}

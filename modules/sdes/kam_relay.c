/*
 * modules/sdes/kam_relay.c — the relay table of sdes.so: parse the "relay"
 * parameters into pkg memory, move them to shared memory in mod_init, keep
 * each relay's health from ng "ping" rounds over the control protocol
 * (rtp/ctl client, authenticated when a secret is set), and list relays and
 * their calls over RPC. Control clients are per process (a ctl_client is
 * single-threaded and holds a socket), created on first use.
 */
#include "sdes/kam_relay.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <openssl/crypto.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"

#include "sdes/call/audit.h"

#include "ctl/bencode.h"
#include "ctl/client.h"
#include "ctl/ng.h"

typedef struct relay_entry {
    sdes_call_relay_spec spec;
    volatile int checked; /* a ping round has reached it */
    volatile int up;      /* valid when checked */
    volatile unsigned long answers, failures;
    volatile unsigned long rtt_us;   /* last answered ping */
    volatile unsigned long probe_ms; /* last probe of this relay while down */
    volatile int cas;                /* its pong said it understands "if-version" */
    volatile int disabled;           /* sdes.relay_disable: no new calls (kam_drain.c) */
    volatile int draining;           /* srtpd said so (ping, or an offer refused) */
} relay_entry;

#define RELAY_MAX 32

static sdes_call_relay_spec pending[RELAY_MAX]; /* before mod_init, per process */
static int n_pending;
static relay_entry *table; /* shm after mod_init */
static int n_table;

/* Settings copied at mod_init (inherited by every child). */
static char *ctl_secret;
static int ctl_timeout_ms = 1000, ctl_retries = 2;

/* A relay known to be down is probed before a request gives up on it (a
 * restarted srtpd is used again at once, not after the next ping round):
 * one ping, one attempt, at most PROBE_TIMEOUT_MS, at most once per
 * PROBE_EVERY_MS per relay over all processes, so a relay that stays down
 * costs a request at most one short wait. */
#define PROBE_TIMEOUT_MS 250
#define PROBE_EVERY_MS   250

/* Per process. */
static ctl_client *clients[RELAY_MAX];
static ctl_client *probe_clients[RELAY_MAX];
static ctl_be_doc *doc; /* large (CTL_BE_MAX_NODES nodes): heap, once */
static char *reply_buf; /* CTL_MAX_MSG */
/* How much of reply_buf replies wrote since its last wipe: a wipe of the
 * whole 64 KiB after every sdes_offer/answer/delete was the module's
 * largest memset at load. */
static size_t reply_hw;

static void reply_used(const ctl_client *c)
{
    size_t n = ctl_client_reply_hw(c);
    if (n > reply_hw)
        reply_hw = n;
}

int sdes_kam_relay_param(const char *value)
{
    char err[200];
    const char *p = value;

    if (!value || !value[strspn(value, " ,\t")]) {
        LM_ERR("modparam relay \"%s\": no relay in the value\n", value ? value : "");
        return -1;
    }
    while (*p) {
        while (*p == ' ' || *p == ',' || *p == '\t')
            p++;
        const char *q = p;
        while (*q && *q != ' ' && *q != ',' && *q != '\t')
            q++;
        if (q == p)
            break;
        if (n_pending >= RELAY_MAX) {
            LM_ERR("modparam relay \"%s\": at most %d relays\n", value, RELAY_MAX);
            return -1;
        }
        if (sdes_call_relay_spec_parse(p, (size_t)(q - p), &pending[n_pending], err, sizeof(err)) <
            0) {
            LM_ERR("modparam relay \"%s\": %s\n", value, err);
            return -1;
        }
        for (int i = 0; i < n_pending; i++) {
            if (strcmp(pending[i].text, pending[n_pending].text) == 0) {
                LM_ERR("modparam relay \"%s\": %s listed twice\n", value, pending[i].text);
                return -1;
            }
        }
        n_pending++;
        p = q;
    }
    return 0;
}

const char *sdes_kam_relay_remote_unsigned(int secret_set)
{
    for (int i = 0; i < n_pending; i++)
        if (pending[i].remote && !secret_set)
            return pending[i].text;
    return NULL;
}

int sdes_kam_relay_init(const char *secret, int timeout_ms, int retries)
{
    int secret_set = secret && *secret;
    const char *remote = sdes_kam_relay_remote_unsigned(secret_set);
    if (remote) {
        /* Keys travel over this channel: off loopback it must be
         * authenticated (docs/sdes-module.md "Parameters"). */
        LM_ERR("modparam relay \"%s\": not on loopback and no secret: set modparam secret or"
               " secret_file\n",
               remote);
        return -1;
    }
    for (int i = 0; i < n_pending; i++) {
        if (!secret_set && pending[i].proto != SDES_CALL_RELAY_UNIX)
            /* srtpd itself refuses this unless started with
             * control-insecure: every local user could use the socket. */
            LM_WARN("relay %s: UDP control without a secret; srtpd needs control-insecure "
                    "for that (use unix:/run/srtpd/srtpd.sock or a secret)\n",
                    pending[i].text);
    }
    ctl_secret = secret_set ? (char *)secret : NULL;
    ctl_timeout_ms = timeout_ms;
    ctl_retries = retries;
    if (n_pending == 0) {
        LM_WARN("no relay configured (modparam \"relay\"): calls needing media"
                " will fail with 'relay unreachable'\n");
        return 0;
    }
    table = shm_malloc(sizeof(*table) * (size_t)n_pending);
    if (!table) {
        SHM_MEM_ERROR;
        return -1;
    }
    memset(table, 0, sizeof(*table) * (size_t)n_pending);
    for (int i = 0; i < n_pending; i++)
        table[i].spec = pending[i];
    n_table = n_pending;
    return 0;
}

void sdes_kam_relay_destroy(void)
{
    for (int i = 0; i < RELAY_MAX; i++) {
        ctl_client_free(clients[i]);
        ctl_client_free(probe_clients[i]);
        clients[i] = probe_clients[i] = NULL;
    }
    free(doc);
    if (reply_buf)
        OPENSSL_cleanse(reply_buf, CTL_MAX_MSG);
    free(reply_buf);
    reply_hw = 0;
    doc = NULL;
    reply_buf = NULL;
    if (table)
        shm_free(table);
    table = NULL;
    n_table = 0;
}

int sdes_kam_relay_count(void)
{
    return n_table;
}

/* This process's client for relay i (NULL, logged, when it cannot be made). */
static ctl_client *client(int i)
{
    char err[200];
    if (clients[i])
        return clients[i];
    if (!doc && !(doc = malloc(sizeof(*doc)))) {
        LM_ERR("out of memory for the control reply decoder\n");
        return NULL;
    }
    if (!reply_buf && !(reply_buf = malloc(CTL_MAX_MSG))) {
        LM_ERR("out of memory for control replies\n");
        return NULL;
    }
    clients[i] = ctl_client_new(table[i].spec.text, ctl_secret, ctl_secret ? strlen(ctl_secret) : 0,
                                ctl_timeout_ms, ctl_retries, err, sizeof(err));
    if (!clients[i])
        LM_ERR("relay %s: %s\n", table[i].spec.text, err);
    return clients[i];
}

/* One request to relay i; *root is the reply dict. Returns 0, or -1 with
 * err set (timeout, transport, unauthenticated or malformed reply). */
static int call(int i, const char *body, size_t len, const ctl_be **root, char *err, size_t errlen)
{
    ctl_client *c = client(i);
    if (!c) {
        snprintf(err, errlen, "no control client");
        return -1;
    }
    int r = ctl_client_call(c, body, len, reply_buf, CTL_MAX_MSG, doc, root, err, errlen);
    reply_used(c);
    return r;
}

static unsigned long now_us(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (unsigned long)tv.tv_sec * 1000000ul + (unsigned long)tv.tv_usec;
}

static void ping_one(int i);

/* Does a pong say the relay understands "if-version" (docs/protocol.md)?
 * An older srtpd would ignore the key and apply a create-only offer to an
 * existing call: sdes.so skips the "state" fetch only for relays that
 * said so. */
static int pong_cas(const ctl_be *root)
{
    int64_t v;
    return ctl_be_get_int(doc, root, "if-version", &v) && v == 1;
}

int sdes_kam_relay_cas(int i)
{
    if (i < 0 || i >= n_table)
        return 0;
    if (!table[i].checked) /* before the first ping round: ask now, once */
        ping_one(i);
    return table[i].checked && table[i].up && table[i].cas;
}

/* Is relay i worth a request: not known down, or known down but it
 * answers a probe now (then it is marked up). */
static int usable(int i)
{
    char body[64], err[200];
    relay_entry *e = &table[i];
    ctl_benc w;
    const ctl_be *root = NULL;
    unsigned long now = now_us() / 1000;

    if (!e->checked || e->up)
        return 1;
    if (now - e->probe_ms < PROBE_EVERY_MS)
        return 0;
    e->probe_ms = now;
    if (!probe_clients[i]) {
        if (!client(i)) /* makes the shared reply buffers */
            return 0;
        int t = ctl_timeout_ms < PROBE_TIMEOUT_MS ? ctl_timeout_ms : PROBE_TIMEOUT_MS;
        probe_clients[i] = ctl_client_new(
            e->spec.text, ctl_secret, ctl_secret ? strlen(ctl_secret) : 0, t, 0, err, sizeof(err));
        if (!probe_clients[i])
            return 0;
    }
    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "ping");
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w))
        return 0;
    int r = ctl_client_call(probe_clients[i], body, w.len, reply_buf, CTL_MAX_MSG, doc, &root, err,
                            sizeof(err));
    reply_used(probe_clients[i]);
    if (r < 0)
        return 0;
    const ctl_be *res = ctl_be_get(doc, root, "result");
    if (!res || !ctl_be_str_eq(res, "pong"))
        return 0;
    e->answers++;
    e->up = 1;
    e->cas = pong_cas(root);
    LM_NOTICE("relay %s is up (answered a probe)\n", e->spec.text);
    return 1;
}

/* One ping of relay i; its health and capability into the shm table. */
static void ping_one(int i)
{
    char body[64], err[200];
    ctl_benc w;
    relay_entry *e = &table[i];
    const ctl_be *root = NULL;

    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "ping");
    ctl_benc_end(&w);
    if (!ctl_benc_ok(&w))
        return;
    unsigned long t0 = now_us();
    int ok = call(i, body, w.len, &root, err, sizeof(err)) == 0;
    if (ok) {
        const ctl_be *res = ctl_be_get(doc, root, "result");
        ok = res && ctl_be_str_eq(res, "pong");
        if (!ok)
            snprintf(err, sizeof(err), "answered without pong");
    }
    if (ok) {
        int64_t dr = 0;
        ctl_be_get_int(doc, root, "draining", &dr);
        if (!!dr != !!e->draining)
            LM_NOTICE("relay %s %s\n", e->spec.text,
                      dr ? "is draining (srtpctl drain): no new calls"
                         : "no longer drains: takes new calls");
        e->draining = dr != 0;
    }
    int was_up = e->checked && e->up;
    int was_checked = e->checked;
    if (ok) {
        e->rtt_us = now_us() - t0;
        e->answers++;
        e->cas = pong_cas(root);
    } else {
        e->failures++;
    }
    e->up = ok;
    e->checked = 1;
    if (ok && !was_up)
        LM_NOTICE("relay %s is up\n", e->spec.text);
    else if (!ok && (was_up || !was_checked))
        LM_WARN("relay %s is down: %s\n", e->spec.text, err);
}

void sdes_kam_relay_ping_all(void)
{
    for (int i = 0; i < n_table; i++)
        ping_one(i);
}

size_t sdes_kam_relay_cid_request(char *body, size_t cap, const char *call_id, size_t len,
                                  const char *command)
{
    ctl_benc w;
    ctl_benc_init(&w, body, cap);
    ctl_benc_dict(&w);
    ctl_benc_kv_str(&w, "call-id", call_id, len);
    ctl_benc_kv_cstr(&w, "command", command);
    ctl_benc_end(&w);
    return ctl_benc_ok(&w) ? w.len : 0;
}

int sdes_kam_relay_delete(const char *call_id, size_t len, char *audit, size_t audit_cap, char *err,
                          size_t errlen)
{
    char body[512], e[200];
    size_t blen;
    int answered = 0;

    if (audit_cap)
        audit[0] = '\0';
    if (n_table == 0) {
        snprintf(err, errlen, "no relay configured");
        return -1;
    }
    if (!(blen = sdes_kam_relay_cid_request(body, sizeof(body), call_id, len, "delete"))) {
        snprintf(err, errlen, "Call-ID too long for a control request");
        return -1;
    }
    snprintf(err, errlen, "no relay answered");
    for (int i = 0; i < n_table; i++) {
        const ctl_be *root = NULL;
        if (!usable(i))
            continue; /* known down, and no answer to a probe */
        if (call(i, body, blen, &root, e, sizeof(e)) < 0) {
            snprintf(err, errlen, "relay %s: %s", table[i].spec.text, e);
            continue;
        }
        answered++;
        const ctl_be *res = ctl_be_get(doc, root, "result");
        if (res && ctl_be_str_eq(res, "ok")) {
            sdes_call_audit_format(doc, root, audit, audit_cap);
            return 1;
        }
        /* "unknown call-id": another relay may hold it. */
    }
    return answered ? 0 : -1;
}

int sdes_kam_relay_pick(unsigned long tried)
{
    unsigned long total = 0, r;
    int any = 0;
    /* A disabled or draining relay takes no new call (its calls go on). */
    for (int i = 0; i < n_table; i++)
        if (table[i].disabled || table[i].draining)
            tried |= 1ul << i;
    for (int i = 0; i < n_table; i++)
        if (!(tried & (1ul << i)) && !(table[i].checked && !table[i].up))
            any = 1;
    /* Every relay left is known down: one of them may be back already. */
    for (int i = 0; !any && i < n_table; i++)
        if (!(tried & (1ul << i)) && usable(i))
            any = 1;
    for (int i = 0; i < n_table; i++)
        if (!(tried & (1ul << i)) && !(table[i].checked && !table[i].up))
            total += table[i].spec.weight;
    if (!total) {
        /* No weighted relay left: a standby (weight 0) that answers takes
         * the call, in configuration order — after a takeover it is the
         * active relay (docs/ha.md); one still standby refuses and the
         * caller moves on (sdes_kam_relay_refused_standby). */
        for (int i = 0; i < n_table; i++)
            if (!(tried & (1ul << i)) && table[i].spec.weight == 0 && usable(i))
                return i;
        return -1;
    }
    r = (unsigned long)random() % total;
    for (int i = 0; i < n_table; i++) {
        if ((tried & (1ul << i)) || (table[i].checked && !table[i].up))
            continue;
        if (r < table[i].spec.weight)
            return i;
        r -= table[i].spec.weight;
    }
    return -1;
}

const char *sdes_kam_relay_name(int i)
{
    return i >= 0 && i < n_table ? table[i].spec.text : "-";
}

int sdes_kam_relay_send(int i, const char *body, size_t len, const ctl_be_doc **d,
                        const ctl_be **root, char *err, size_t errlen)
{
    const ctl_be *res;
    if (i < 0 || i >= n_table) {
        snprintf(err, errlen, "no such relay");
        return -1;
    }
    if (call(i, body, len, root, err, errlen) < 0) {
        if (!table[i].checked || table[i].up)
            LM_WARN("relay %s is down: %s\n", table[i].spec.text, err);
        table[i].failures++;
        table[i].up = 0;
        table[i].checked = 1;
        return -1;
    }
    *d = doc;
    res = ctl_be_get(doc, *root, "result");
    if (res && ctl_be_str_eq(res, "ok"))
        return 0;
    if (!ctl_be_get_cstr(doc, *root, "error-reason", err, errlen))
        snprintf(err, errlen, "relay answered without a result");
    return 1;
}

void sdes_kam_relay_wipe_reply(void)
{
    if (reply_buf)
        OPENSSL_cleanse(reply_buf, reply_hw);
    reply_hw = 0;
}

int sdes_kam_relay_find(const char *call_id, size_t len, const ctl_be_doc **d, const ctl_be **root,
                        char *err, size_t errlen)
{
    char body[512], e[200];
    size_t blen;
    int answered = 0;

    if (n_table == 0) {
        snprintf(err, errlen, "no relay configured");
        return -1;
    }
    if (!(blen = sdes_kam_relay_cid_request(body, sizeof(body), call_id, len, "state"))) {
        snprintf(err, errlen, "Call-ID too long for a control request");
        return -1;
    }
    snprintf(err, errlen, "no relay answered");
    for (int i = 0; i < n_table; i++) {
        if (!usable(i)) {
            snprintf(err, errlen, "relay %s is down", table[i].spec.text);
            continue;
        }
        int r = sdes_kam_relay_send(i, body, blen, d, root, e, sizeof(e));
        if (r < 0) {
            snprintf(err, errlen, "relay %s: %s", table[i].spec.text, e);
            continue;
        }
        answered++;
        if (r == 0)
            return i;
        /* "unknown call-id": another relay may hold it. */
    }
    /* "Nobody has it" only when every relay said so: one that did not
     * answer may hold the call (lost state is then not proven). */
    return answered == n_table ? -2 : -1;
}

void sdes_kam_relay_rpc_list(rpc_t *rpc, void *ctx)
{
    void *th;

    if (n_table == 0) {
        rpc->fault(ctx, 404, "No relay configured");
        return;
    }
    for (int i = 0; i < n_table; i++) {
        const relay_entry *e = &table[i];
        if (rpc->add(ctx, "{", &th) < 0) {
            rpc->fault(ctx, 500, "Internal error creating rpc struct");
            return;
        }
        rpc->struct_add(th, "sdsssddd", "relay", e->spec.text, "weight", (int)e->spec.weight,
                        "transport", e->spec.proto == SDES_CALL_RELAY_UNIX ? "unix" : "udp",
                        "authenticated", e->spec.remote || ctl_secret ? "secret" : "local", "state",
                        !e->checked ? "unchecked"
                        : e->up     ? "up"
                                    : "down",
                        "answers", (int)e->answers, "failures", (int)e->failures, "rtt_us",
                        (int)e->rtt_us);
        rpc->struct_add(th, "ss", "admin", e->disabled ? "disabled" : "enabled", "draining",
                        e->draining ? "yes" : "no");
    }
}

/* A string node as a NUL-terminated copy for RPC output. */
static void node_str(const ctl_be *n, char *out, size_t cap)
{
    size_t l = n && n->type == CTL_BE_STR ? n->len : 0;
    if (l >= cap)
        l = cap - 1;
    if (l)
        memcpy(out, n->s, l);
    out[l] = '\0';
}

void sdes_kam_relay_rpc_calls(rpc_t *rpc, void *ctx)
{
    char body[64], err[200], buf[256];
    ctl_benc w;
    int answered = 0;

    if (n_table == 0) {
        rpc->fault(ctx, 404, "No relay configured");
        return;
    }
    ctl_benc_init(&w, body, sizeof(body));
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "command", "list");
    ctl_benc_end(&w);
    for (int i = 0; i < n_table; i++) {
        const ctl_be *root = NULL;
        if (call(i, body, w.len, &root, err, sizeof(err)) < 0) {
            LM_WARN("sdes.list: relay %s: %s\n", table[i].spec.text, err);
            continue;
        }
        const ctl_be *calls = ctl_be_get(doc, root, "calls");
        answered++;
        for (const ctl_be *c = ctl_be_first(doc, calls); c; c = ctl_be_next(doc, c)) {
            void *th;
            int64_t age = 0;
            const ctl_be *streams = ctl_be_get(doc, c, "streams");
            node_str(ctl_be_get(doc, c, "call-id"), buf, sizeof(buf));
            ctl_be_get_int(doc, c, "age-ms", &age);
            if (rpc->add(ctx, "{", &th) < 0)
                return;
            rpc->struct_add(th, "ssdd", "relay", table[i].spec.text, "call-id", buf, "age_ms",
                            (int)age, "streams", streams ? (int)streams->len : 0);
        }
    }
    if (!answered)
        rpc->fault(ctx, 503, "No relay answered");
}

int sdes_kam_relay_lookup(const char *name, size_t len)
{
    for (int i = 0; i < n_table; i++)
        if (strlen(table[i].spec.text) == len && memcmp(table[i].spec.text, name, len) == 0)
            return i;
    return -1;
}

int sdes_kam_relay_set_disabled(int i, int on)
{
    if (i < 0 || i >= n_table)
        return -1;
    int was = table[i].disabled;
    table[i].disabled = on != 0;
    return was;
}

int sdes_kam_relay_is_up(int i)
{
    return i >= 0 && i < n_table && (!table[i].checked || table[i].up);
}

int sdes_kam_relay_refused_standby(int i, const char *reason)
{
    return i >= 0 && i < n_table && strncmp(reason, "standby relay", 13) == 0;
}

int sdes_kam_relay_refused_draining(int i, const char *reason)
{
    if (i < 0 || i >= n_table || strncmp(reason, "draining", 8) != 0)
        return 0;
    if (!table[i].draining)
        LM_NOTICE("relay %s is draining (refused a new call): no new calls\n", table[i].spec.text);
    table[i].draining = 1; /* until a ping says otherwise */
    return 1;
}

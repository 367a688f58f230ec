/*
 * modules/sdes/kam_relay.c — the relay table of sdes.so: parse the "relay"
 * parameters into pkg memory, move them to shared memory in mod_init, list
 * them over RPC. Health state lives beside each entry for the control
 * client to update (not wired yet: see kam_relay.h).
 */
#include "sdes/kam_relay.h"

#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"

typedef struct relay_entry {
    sdes_kam_relay_spec spec;
    int checked;          /* 0 until a control client has pinged it */
    int up;               /* valid when checked */
    unsigned long errors; /* requests that got no answer */
} relay_entry;

#define RELAY_MAX 32

static sdes_kam_relay_spec pending[RELAY_MAX]; /* before mod_init, per process */
static int n_pending;
static relay_entry *table; /* shm after mod_init */
static int n_table;

int sdes_kam_relay_param(const char *value)
{
    char err[200];
    const char *p = value;

    if (!value) {
        LM_ERR("relay: empty value\n");
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
            LM_ERR("relay: at most %d relays\n", RELAY_MAX);
            return -1;
        }
        if (sdes_kam_relay_spec_parse(p, (size_t)(q - p), &pending[n_pending], err,
                                      sizeof(err)) < 0) {
            LM_ERR("%s\n", err);
            return -1;
        }
        for (int i = 0; i < n_pending; i++) {
            if (strcmp(pending[i].text, pending[n_pending].text) == 0) {
                LM_ERR("relay %s listed twice\n", pending[i].text);
                return -1;
            }
        }
        n_pending++;
        p = q;
    }
    return 0;
}

int sdes_kam_relay_init(int secret_set)
{
    for (int i = 0; i < n_pending; i++) {
        if (pending[i].remote && !secret_set) {
            /* Keys travel over this channel: off loopback it must be
             * authenticated (DESIGN.md, security rules). */
            LM_ERR("relay %s is not on loopback: set modparam(\"sdes\", \"secret\", ...)\n",
                   pending[i].text);
            return -1;
        }
    }
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
    if (table)
        shm_free(table);
    table = NULL;
    n_table = 0;
}

int sdes_kam_relay_count(void)
{
    return n_table;
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
        rpc->struct_add(th, "sdsss", "relay", e->spec.text, "weight", (int)e->spec.weight,
                        "transport", e->spec.proto == SDES_KAM_RELAY_UNIX ? "unix" : "udp",
                        "authenticated", e->spec.remote ? "secret" : "local",
                        "state",
                        !e->checked ? "unchecked (control client not built into this sdes.so)"
                                    : e->up ? "up" : "down");
    }
}

/*
 * modules/sdes/kam_drain.c — RPC sdes.relay_disable / sdes.relay_enable /
 * sdes.relay_list (kam_drain.h): an operator takes a relay out of the
 * choice for new calls; its calls go on.
 */
#include "sdes/kam_drain.h"

#include "core/dprint.h"
#include "core/str.h"

#include "sdes/kam_relay.h"

static void set(rpc_t *rpc, void *ctx, int on)
{
    str name = STR_NULL;
    if (rpc->scan(ctx, "S", &name) < 1) {
        rpc->fault(ctx, 400, "relay expected (as sdes.relays shows it)");
        return;
    }
    int i = sdes_kam_relay_lookup(name.s, (size_t)name.len);
    if (i < 0) {
        rpc->fault(ctx, 404, "no such relay: %.*s", name.len, name.s);
        return;
    }
    int was = sdes_kam_relay_set_disabled(i, on);
    if (was != on)
        LM_NOTICE("relay %s %s by RPC\n", sdes_kam_relay_name(i),
                  on ? "disabled: no new calls, its calls go on" : "enabled: takes new calls");
    void *th;
    if (rpc->add(ctx, "{", &th) < 0) {
        rpc->fault(ctx, 500, "Internal error creating rpc struct");
        return;
    }
    rpc->struct_add(th, "ss", "relay", sdes_kam_relay_name(i), "admin",
                    on ? "disabled" : "enabled");
}

void sdes_kam_rpc_relay_disable(rpc_t *rpc, void *ctx)
{
    set(rpc, ctx, 1);
}

void sdes_kam_rpc_relay_enable(rpc_t *rpc, void *ctx)
{
    set(rpc, ctx, 0);
}

void sdes_kam_rpc_relay_list(rpc_t *rpc, void *ctx)
{
    sdes_kam_relay_rpc_list(rpc, ctx);
}

const char *sdes_kam_rpc_relay_disable_doc[] = {
    "sdes.relay_disable RELAY: no new calls on RELAY; its calls go on.", 0};
const char *sdes_kam_rpc_relay_enable_doc[] = {"sdes.relay_enable RELAY: RELAY takes new calls.",
                                               0};
const char *sdes_kam_rpc_relay_list_doc[] = {
    "Relays: address, weight, health, admin state (enabled/disabled), srtpd draining.", 0};

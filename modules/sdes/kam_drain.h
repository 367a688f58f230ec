/*
 * modules/sdes/kam_drain.h — taking a relay out of service without
 * dropping a call (docs/sdes-module.md "Drain"):
 *
 *   kamcmd sdes.relay_disable RELAY   no new call goes to RELAY
 *   kamcmd sdes.relay_enable RELAY    it takes new calls again
 *   kamcmd sdes.relay_list            relays with health, admin state and
 *                                     whether srtpd itself drains
 *
 * RELAY is the relay's text as sdes.relays shows it ("unix:/run/srtpd/
 * srtpd.sock", "udp:10.0.0.5:2223"). A disabled relay keeps its calls:
 * in-dialog requests still find them there (each relay is asked for the
 * call's state, disabled or not), BYEs delete them. The setting lives in
 * shared memory (every process sees it) and not across a restart.
 * srtpd's own drain (srtpctl drain) is seen by the health pings and by
 * an offer it refuses with "draining": the offer goes to the next relay.
 */
#ifndef SDESGATE_SDES_KAM_DRAIN_H
#define SDESGATE_SDES_KAM_DRAIN_H

#include "core/rpc.h"

void sdes_kam_rpc_relay_disable(rpc_t *rpc, void *ctx);
void sdes_kam_rpc_relay_enable(rpc_t *rpc, void *ctx);
void sdes_kam_rpc_relay_list(rpc_t *rpc, void *ctx);

extern const char *sdes_kam_rpc_relay_disable_doc[];
extern const char *sdes_kam_rpc_relay_enable_doc[];
extern const char *sdes_kam_rpc_relay_list_doc[];

#endif

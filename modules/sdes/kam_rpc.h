/*
 * modules/sdes/kam_rpc.h — the RPC commands of sdes.so whose work is not
 * another glue file's (the rpc_export table is in sdes_mod.c).
 */
#ifndef SDESGATE_SDES_KAM_RPC_H
#define SDESGATE_SDES_KAM_RPC_H

#include "core/rpc.h"

/* sdes.rekey CALL-ID: each SRTP leg's send side to the next installed key. */
void sdes_kam_rpc_rekey(rpc_t *rpc, void *ctx);

#endif

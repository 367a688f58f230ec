/*
 * modules/sdes/kam_lost.h — the audit line of a call lost with its relay
 * (docs/sdes-module.md "Audit line"). Kamailio keeps no per-call state,
 * so it learns of the loss when the call ends: a BYE whose sdes_delete()
 * finds the call on no relay (the relay restarted or failed without it,
 * or timed it out) or reaches no relay at all writes
 *   sdes audit: Call-ID X: lost: <why>
 * where an ended call writes its final statistics. Only for BYE: a
 * CANCEL or a failure reply ends calls that were never anchored. The
 * media-timeout event writes its own lost line (kam_events.h).
 */
#ifndef SDESGATE_SDES_KAM_LOST_H
#define SDESGATE_SDES_KAM_LOST_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

/* found_none: every relay that answered said "unknown call-id"
 * (sdes_kam_relay_delete returned 0); else no relay answered. */
void sdes_kam_lost_audit(sip_msg_t *msg, const str *cid, int found_none);

#endif

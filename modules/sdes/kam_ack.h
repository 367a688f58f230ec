/*
 * modules/sdes/kam_ack.h — sdes_ack(): the re-offerer's ACK completes an
 * edge-initiated rekey (docs/sdes-module.md "Edge-initiated rekey"). When
 * sdes_rekey()'s answer gives the re-offerer a new key from us, the 2xx
 * only adds that key in srtpd ("rekey" with "switch-after"); the switch waits until the
 * re-offerer has the answer, which its ACK for the 2xx proves (RFC 3261
 * §13.2.2.4, RFC 4568 §7.1.4). The pending switches sit in a bounded set
 * in shared memory (call/pending.h) so an ACK of any other call costs one
 * lookup and no control round trip; srtpd switches by itself after
 * switch_after_ms when no ACK comes (lost, Kamailio restarted).
 */
#ifndef SDESGATE_SDES_KAM_ACK_H
#define SDESGATE_SDES_KAM_ACK_H

#include "core/parser/msg_parser.h"

#include "sdes/call/pending.h"

/* mod_init: the shared set and its lock. switch_after_ms 0 disables the
 * deferral (the switch happens at the 2xx, as before). Returns 0 or -1. */
int sdes_kam_ack_init(int switch_after_ms);
void sdes_kam_ack_destroy(void);

/* The deferral in ms (0: none). */
int sdes_kam_ack_switch_after(void);

/* Records the pending switches of one call (its expiry is set here). */
void sdes_kam_ack_arm(const sdes_call_pending *p);

/* sdes_ack(): SDES_RC_OK when this ACK switched srtpd's send key(s),
 * SDES_RC_NOTHING when nothing is pending for it, SDES_RC_RELAY when the
 * relay did not answer, SDES_RC_ERROR when it refused or the message is
 * not an ACK. $sdes(reason) says which. */
int sdes_kam_ack_run(sip_msg_t *msg);

#endif

/*
 * modules/sdes/kam_call.h — the call path of sdes.so: an SDP offer or
 * answer in a SIP message goes through the SDES engine and srtpd, and the
 * message leaves with the rewritten body (lumps). Kamailio keeps nothing:
 * the engine state travels to srtpd as the call's opaque "sdes-state" and
 * comes back with the "state" command (docs/protocol.md).
 *
 * Offer:  find the call's relay ("state"; skipped for a dialog-creating
 *         offer with one relay that understands if-version; a new call: a
 *         relay by weight, the next one when it does not answer) -> engine
 *         reads the offer (the new sdes-state) -> srtpd "offer" (leg a:
 *         offerer's address and keys; leg b: transport; the sdes-state,
 *         if-version) -> the engine writes the offer for B with leg b's
 *         local ports and the same keys -> lumps.
 * Answer: "state" -> the engine takes the answer against the offer state,
 *         writing leg a's local ports -> srtpd "answer" (leg a send keys,
 *         leg b address and keys, sdes-state, if-version) -> lumps.
 * A refusal for a changed state (if-version: another process got there
 * first) carries the state as it is now; the offer or answer runs again
 * from it (docs/sdes-module.md "Control round trips").
 * A re-offer from the first offer's answerer (srtpd's leg b side) runs the
 * same steps on the mirrored state, engine legs mapped onto srtpd's
 * (call/mirror.h): its keys and address go to leg b, the offer toward the
 * first offerer gets leg a's ports, its answer leg b's.
 */
#ifndef SDESGATE_SDES_KAM_CALL_H
#define SDESGATE_SDES_KAM_CALL_H

#include "core/parser/msg_parser.h"
#include "core/str.h"

#include "sdes/call/flags.h"
#include "sdes/engine/sdes_engine.h"

/* Return codes of every sdes_* cfg function (docs/sdes-module.md "Functions"). */
#define SDES_RC_OK          1
#define SDES_RC_NOTHING     2 /* sdes_delete: no relay holds this call */
#define SDES_RC_ERROR       (-1)
#define SDES_RC_POLICY      (-2)
#define SDES_RC_RELAY       (-3)
#define SDES_RC_BAD_SDP     (-4)
#define SDES_RC_UNAVAILABLE (-5)
#define SDES_RC_NO_CALL \
    (-6) /* in-dialog offer (or an answer) for a call no relay
                              * knows, every relay answering: reply 481 */

/* An offer (INVITE, re-INVITE, UPDATE; a late offer in a 2xx). The first
 * offer binds f (resolved) to the call (call/bind.h); later offers and
 * answers run under that policy tightened by f, and keep the call's mode,
 * unless f has policy-loosen (then mode_given: the flags named a mode).
 * An in-dialog offer for a call no relay knows: SDES_RC_NO_CALL when every
 * relay answered, SDES_RC_RELAY when one did not. rekey: new
 * keys with the next MKI for every active stream. *mode_out: the mode the
 * call ran with; *reoffer: 1 when the call existed. Returns SDES_RC_*,
 * with $sdes(reason)/$sdes(suite) set. */
int sdes_kam_call_offer(sip_msg_t *msg, const sdes_call_flags *f, int mode_given, int rekey,
                        const str *body, const str *call_id, sdes_mode *mode_out, int *reoffer);

/* An answer (18x/2xx; the ACK of a late offer) to the call's pending offer.
 * The call's mode comes from its state, the policy is the call's bound one
 * tightened by f. *reanswer: 1
 * when an exchange had completed before (a re-offer's answer, or a 200
 * after a 183). */
int sdes_kam_call_answer(sip_msg_t *msg, const sdes_call_flags *f, const str *body,
                         const str *call_id, sdes_mode *mode_out, int *reanswer);

/* sdes_delete for one branch of a forked call (RFC 3261 §16.7): returns
 * 1 when only that branch went (the call stays in srtpd), 0 when the whole
 * call is to be deleted. The whole call: a CANCEL, a message without a
 * To-tag (the INVITE in a failure route: the transaction failed), no state
 * to look at, the committed branch's tag, or, before any 2xx, the last
 * branch that answered. Otherwise the branch's answer is removed from the
 * call's state; if srtpd was relaying it (early media), media moves back
 * to the latest remaining branch. */
int sdes_kam_call_delete_branch(sip_msg_t *msg, const sdes_call_flags *f, const str *call_id);

#endif

/*
 * modules/sdes/call/mirror.h — re-offers from the answerer's side. The SDES
 * engine models one exchange with A = offerer and B = answerer, and
 * srtpd's legs are fixed when the call is created: leg a faces the party
 * that made the first offer, leg b the other one. In a dialog either party
 * may send the next offer (RFC 3264 §8; a callee's hold re-INVITE, an RFC
 * 4028 session refresh by the UAS, an UPDATE, RFC 3311), so a re-offer from
 * B is run through the engine on a mirrored copy of the call's state (legs
 * swapped, mode inverted) and the engine's legs are mapped back onto
 * srtpd's when the control requests are built: engine leg a (the
 * re-offerer, B) is srtpd leg b and engine leg b is srtpd leg a.
 *
 * The call's state stays in srtpd in the first offer's orientation (the
 * "canonical" one); only the pending offer state is kept in the engine's
 * orientation, with a flag in the sdes-state blob saying which (call/ctlmsg.h).
 * Kamailio-free, so kam_mirror_test drives it. Nothing here logs.
 */
#ifndef SDESGATE_SDES_CALL_MIRROR_H
#define SDESGATE_SDES_CALL_MIRROR_H

#include <stdbool.h>

#include "sdes/engine/sdes_engine.h"

/* The engine mode that runs a re-offer from B on a call whose canonical
 * state is *st: ENCRYPT (A plain, B SRTP) becomes DECRYPT, and back;
 * OSRTP becomes DECRYPT; a DECRYPT call whose offerer used OSRTP (RTP/AVP
 * with a=crypto, RFC 8643) becomes OSRTP, so the offer toward A keeps the
 * proto A chose; REKEY and PASSTHROUGH stay. */
sdes_mode sdes_call_mirror_mode(const sdes_state *st);

/* The canonical mode after a reverse exchange ran in engine mode m:
 * canonical_before's mode when m is its mirror (an OSRTP call stays
 * OSRTP), else the inverse of m (a re-offer that named its own mode). */
sdes_mode sdes_call_unmirror_mode(sdes_mode m, const sdes_state *canonical_before);

/* *out = *in seen from the other side: per used m= line, a_* and b_*
 * swapped (proto, rx and tx key sets); the lines written toward the new B
 * are the keys we sent toward it (its previous tx set); mode as given.
 * Only the header and media[0, n_media) are read and written (the struct
 * is large). in and out must differ. Applying it twice gives the states'
 * key sets back unchanged. */
void sdes_call_mirror_state(const sdes_state *in, sdes_state *out, sdes_mode mode);

/* srtpd's leg for an engine leg ('a' or 'b'): swapped when reverse. */
static inline char sdes_call_mirror_leg(char engine_leg, bool reverse)
{
    return reverse ? (engine_leg == 'a' ? 'b' : 'a') : engine_leg;
}

/* Whether an offer written by the party with tag `author` runs reversed
 * on a call whose first offerer had tag `first`: only once an exchange has
 * completed (phase 2), and only when both tags are known and differ. */
bool sdes_call_mirror_is_reverse(const sdes_state *answer_st, const char *first,
                                 const char *author);

#endif

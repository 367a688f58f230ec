/*
 * modules/sdes/call/bind.h — the policy bound to a call. The first offer's
 * resolved flags (mode, policy level, suites, lifetime, MKI length, ROC
 * rule, keys per line) are stored with the call's sdes-state in srtpd
 * (call/callstate.h) and judge every later offer and answer of the call,
 * from either side, whatever flags the later sdes_offer()/sdes_answer()
 * passes: a later call may only tighten it (sdes_call_bind_tighten), and
 * replacing it needs the explicit flag policy-loosen.
 *
 * Which side must be SRTP follows from the bound mode and level: the
 * engine applies the level to the secure leg of the mode it runs (the
 * outside for encrypt/decrypt, both legs for rekey/passthrough). A re-offer
 * from leg b's side runs in the mirrored mode (call/mirror.h), whose secure
 * leg is the same party, so the stored policy needs no per-side copy.
 *
 * The call's media interfaces ride along (direction=, call/flags.h), per
 * srtpd leg: [0] leg a (the first offerer's side), [1] leg b. They are
 * the call's, like its mode: a later request never moves a leg (srtpd
 * could not: a leg's sockets are bound on its interface).
 *
 * Byte form (version 3): 0x03 | set u8 (SDES_CALL_F_* low byte) | mode u8
 * | policy u8 | n u8 | n x suite id u8 | mki u8 | lifetime u64 (big-endian)
 * | roc u8 | keys u8 | mki-use u8 (0: not set) | nomki u8 (0: not set)
 * | len u8 | leg a's interface | len u8 | leg b's interface (0: none).
 * Versions 1 (no nomki byte) and 2 (no interfaces), written by earlier
 * sdes.so, still unpack, so calls up across an upgrade keep their policy.
 * Kamailio-free (unit tests).
 */
#ifndef SDESGATE_SDES_CALL_BIND_H
#define SDESGATE_SDES_CALL_BIND_H

#include <stddef.h>
#include <stdint.h>

#include "sdes/call/flags.h"

#define SDES_CALL_BIND_MAX (20 + SG_SUITE_COUNT + 2 * (SDES_CALL_IFNAME_MAX - 1))

/* Packs the resolved flags (after defaults). Returns bytes written, 0 when
 * cap is too small. */
size_t sdes_call_bind_pack(const sdes_call_flags *f, uint8_t *buf, size_t cap);

/* Reads a packed policy into *f (given = 0). Returns 0, -1 when malformed
 * (bad version, unknown mode/policy/suite, lengths). */
int sdes_call_bind_unpack(const uint8_t *buf, size_t len, sdes_call_flags *f);

/* The call's policy after a later request: *out = *bound, tightened by
 * what req's flag string set (req->given), never loosened:
 *   policy level  the stricter one (optional < require < strong);
 *   suites        the bound ones (in their order) that req also lists;
 *   lifetime      the shorter one (a bound without one takes req's);
 *   mki, roc, keys, mki-use, nomki  req's when given (how keys are
 *                 made, not what is accepted), else the bound ones;
 *   mode          always the bound one (a mode change is a loosening);
 *   direction     always the bound interfaces.
 * Returns 0, or -1 with a reason in why when nothing is left (no suite in
 * both lists). out may not alias bound or req. */
int sdes_call_bind_tighten(const sdes_call_flags *bound, const sdes_call_flags *req,
                           sdes_call_flags *out, char *why, size_t whylen);

/* policy-loosen replaces the policy, never the call's interfaces: copies
 * bound's direction names (or their absence) into *eff. */
void sdes_call_bind_keep_directions(sdes_call_flags *eff, const sdes_call_flags *bound);

/* Are the call's two legs on different srtpd interfaces (direction=
 * with two different names)? Then a stream srtpd does not relay cannot
 * work across and is disabled (the engine's sdes_config.isolate). */
bool sdes_call_bind_two_networks(const sdes_call_flags *f);

/* Does req (resolved) allow something the bound policy does not: a lower
 * level, a suite outside the bound list, a longer or no lifetime, another
 * mode? For the policy-loosen log line. */
int sdes_call_bind_is_looser(const sdes_call_flags *bound, const sdes_call_flags *req);

#endif

/*
 * rtp/relay/rxprev.c — trial decryption with a leg's previous receive
 * context during a key change without MKI (rxprev.h).
 */
#include "relay/rxprev.h"

#include <string.h>

#include "relay/worker.h"

static sg_status unprotect(sg_srtp_ctx *c, bool rtcp, const uint8_t *in, size_t len, uint8_t *out,
                           size_t cap, size_t *plen)
{
    return rtcp ? sg_srtcp_unprotect(c, in, len, out, cap, plen)
                : sg_srtp_unprotect(c, in, len, out, cap, plen);
}

/* Any failure but a malformed packet may mean "the other key": a peer that
 * restarted its sequence with the new key looks like a replay to the old
 * context's window, a new SSRC may find the old context full. */
static bool retry(sg_status st)
{
    return st != SG_OK && st != SG_MALFORMED && st != SG_BUFFER_SMALL && st != SG_BAD_PARAM;
}

sg_status relay_rx_unprotect(relay_leg *x, bool rtcp, uint8_t *p, size_t len, size_t cap,
                             size_t *plen, int64_t now_ms, bool *via_prev)
{
    *via_prev = false;
    if (x->rx_prev && x->rx_prev_until_ms && now_ms >= x->rx_prev_until_ms) {
        /* The peer moved to the new key a while ago: wipe the old one. */
        sg_srtp_ctx_free(x->rx_prev);
        x->rx_prev = NULL;
        x->rx_prev_first = false;
    }
    if (!x->rx_prev)
        return unprotect(x->rx, rtcp, p, len, p, cap, plen);
    /* The context that worked last goes first: after a rejected re-offer
     * the peer stays on its old key. The first try writes elsewhere: a
     * failed unprotect leaves its output unspecified (sg_srtp.h), and the
     * second try must read the packet as it came. */
    sg_srtp_ctx *first = x->rx_prev_first ? x->rx_prev : x->rx;
    sg_srtp_ctx *second = x->rx_prev_first ? x->rx : x->rx_prev;
    uint8_t tmp[RELAY_BUF_SIZE];
    sg_status st = unprotect(first, rtcp, p, len, tmp, sizeof tmp, plen);
    if (st == SG_OK)
        memcpy(p, tmp, *plen);
    sg_srtp_ctx *ok = first;
    if (retry(st)) {
        sg_status st2 = unprotect(second, rtcp, p, len, p, cap, plen);
        if (st2 == SG_OK) {
            st = SG_OK;
            ok = second;
        } else if (first == x->rx_prev) {
            st = st2; /* report what the current context said */
        }
    }
    if (st != SG_OK)
        return st;
    x->rx_prev_first = ok == x->rx_prev;
    if (ok == x->rx_prev) {
        *via_prev = true;
        x->rx_prev_used++;
    } else if (!x->rx_prev_until_ms) {
        x->rx_prev_until_ms = now_ms + RELAY_RX_PREV_GRACE_MS;
    }
    return SG_OK;
}

sg_srtp_ctx *relay_rx_replace(relay_leg *x, sg_srtp_ctx *nrx)
{
    sg_srtp_ctx *gone = x->rx_prev;
    x->rx_prev = x->rx;
    x->rx_prev_until_ms = 0;
    x->rx_prev_first = false;
    x->rx = nrx;
    return gone;
}

/*
 * rtp/srtp/replay.c — the replay list of RFC 3711 §3.3.2 as a sliding
 * window over packet indices, kept as a ring of bits so advancing by one
 * packet touches one bit instead of shifting the whole window (windows go up
 * to SG_SRTP_MAX_WINDOW). Checking never changes state; the caller records
 * an index only after the packet authenticated.
 */
#include "srtp/sg_internal.h"

#include <string.h>

static inline bool bit_get(const uint64_t *bits, uint32_t words, uint64_t idx)
{
    uint64_t pos = idx & ((uint64_t)words * 64 - 1);
    return (bits[pos >> 6] >> (pos & 63)) & 1;
}

static inline void bit_put(uint64_t *bits, uint32_t words, uint64_t idx, bool v)
{
    uint64_t pos = idx & ((uint64_t)words * 64 - 1);
    uint64_t m = UINT64_C(1) << (pos & 63);
    if (v)
        bits[pos >> 6] |= m;
    else
        bits[pos >> 6] &= ~m;
}

sg_status sg_replay_check(const sg_replay *r, uint32_t window, uint32_t words, uint64_t idx)
{
    if (!r->init || idx > r->hi)
        return SG_OK;
    if (r->hi - idx >= window)
        return SG_REPLAY_OLD;
    /* The ring (a power of two >= window bits) still holds idx's bit. */
    return bit_get(r->bits, words, idx) ? SG_REPLAY : SG_OK;
}

void sg_replay_commit(sg_replay *r, uint32_t words, uint64_t idx)
{
    if (!r->init) {
        memset(r->bits, 0, (size_t)words * 8);
        r->init = true;
        r->hi = idx;
    } else if (idx > r->hi) {
        uint64_t d = idx - r->hi;
        if (d >= (uint64_t)words * 64) {
            memset(r->bits, 0, (size_t)words * 8);
        } else {
            /* Clear the bits of the indices the window skips over. */
            for (uint64_t i = r->hi + 1; i < idx; i++)
                bit_put(r->bits, words, i, false);
        }
        r->hi = idx;
    }
    bit_put(r->bits, words, idx, true);
}

/*
 * tests/fuzz/fuzz_sdes_bind.c — libFuzzer target for the call's bound
 * policy (modules/sdes/call/bind.c, versions 1..3 with the interfaces of
 * direction=) and the flag parser (modules/sdes/call/flags.c) on hostile
 * bytes: the bound policy comes back from srtpd in the call's sdes-state,
 * the flags from a script variable. Whatever unpacks must pack again to
 * the same bytes' meaning and unpack to the same flags; whatever parses
 * must format and tighten without a fault (ASan+UBSan).
 */
#include <stdint.h>
#include <string.h>

#include "sdes/call/bind.h"
#include "sdes/call/flags.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sdes_call_flags f, g, t;
    uint8_t buf[SDES_CALL_BIND_MAX];
    char err[200], fmt[512];
    if (sdes_call_bind_unpack(data, size, &f) == 0) {
        size_t n = sdes_call_bind_pack(&f, buf, sizeof(buf));
        if (!n || sdes_call_bind_unpack(buf, n, &g) != 0)
            __builtin_trap();
        if (g.mode != f.mode || g.policy != f.policy || g.n_suites != f.n_suites ||
            (g.set & SDES_CALL_F_DIRECTION) != (f.set & SDES_CALL_F_DIRECTION) ||
            memcmp(g.direction, f.direction, sizeof(g.direction)) != 0)
            __builtin_trap();
        sdes_call_flags_format(&f, fmt, sizeof(fmt));
        (void)sdes_call_bind_two_networks(&f);
    }
    if (sdes_call_flags_parse((const char *)data, size, &f, err, sizeof(err)) == 0) {
        sdes_call_flags_format(&f, fmt, sizeof(fmt));
        memset(&g, 0, sizeof(g));
        if (sdes_call_bind_tighten(&g, &f, &t, err, sizeof(err)) == 0) {
            sdes_call_bind_keep_directions(&t, &g);
            (void)sdes_call_bind_pack(&t, buf, sizeof(buf));
        }
        /* Whatever a script may bind must come back from the sdes-state. */
        size_t n = sdes_call_bind_pack(&f, buf, sizeof(buf));
        if (n && sdes_call_bind_unpack(buf, n, &g) != 0)
            __builtin_trap();
    }
    return 0;
}

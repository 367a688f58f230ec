/*
 * tests/fuzz/fuzz_sdes_state.c — libFuzzer target for sdes_state_unpack()
 * on hostile bytes (the packed state travels through shared memory or the
 * relay's call record, modules/sdes/engine/sdes_engine.h). Every state it accepts
 * must then drive an answer and a re-offer to a defined result (no crash,
 * no out-of-bounds access under ASan+UBSan) and pack again.
 */
#include "sdes/engine/sdes_engine.h"

#include <string.h>

static const char ANSWER[] =
    "v=0\r\nc=IN IP4 198.51.100.9\r\nm=audio 7000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
    "m=video 7002 RTP/AVP 96\r\n";
static const char OFFER[] =
    "v=0\r\nc=IN IP4 198.51.100.7\r\nm=audio 5000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n"
    "m=video 5002 RTP/AVP 96\r\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sdes_state st, st2;
    static sdes_result r;
    static uint8_t packed[1 << 17];
    if (!sdes_state_unpack(data, size, &st))
        return 0;
    sdes_relay rel[2] = {{"192.0.2.1", 20000, 0}, {"192.0.2.1", 20002, 0}};
    memcpy(&st2, &st, sizeof st);
    sdes_config cfg = {.mode = (sdes_mode)st.mode, .policy = NULL, .rekey = size & 1};
    sdes_answer(&cfg, ANSWER, strlen(ANSWER), rel, 2, &st, &r);
    if (r.code != SDES_REJ_OK && r.body)
        __builtin_trap(); /* fail closed: a rejection carries no body */
    sdes_result_free(&r);
    sdes_offer(&cfg, OFFER, strlen(OFFER), rel, 2, &st2, &r);
    if (r.code != SDES_REJ_OK && r.body)
        __builtin_trap();
    sdes_result_free(&r);
    if (!sdes_state_pack(&st, packed, sizeof packed))
        __builtin_trap();
    sdes_state_wipe(&st);
    sdes_state_wipe(&st2);
    return 0;
}

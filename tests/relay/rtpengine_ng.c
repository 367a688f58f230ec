/*
 * tests/relay/rtpengine_ng.c — RTPengine's ng offer and answer for the
 * benchmarks (rtpengine_ng.h).
 */
#include "tests/relay/rtpengine_ng.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "ctl/bencode.h"

size_t rte_sdp(char *out, size_t cap, int version, unsigned port, bool mux, int tag,
               const char *suite, const uint8_t key30[30])
{
    char crypto[128] = "";
    if (suite) {
        char kb[48]; /* 30 bytes: 40 base64 characters and the NUL */
        EVP_EncodeBlock((unsigned char *)kb, key30, 30);
        snprintf(crypto, sizeof(crypto), "a=crypto:%d %s inline:%s\r\n", tag, suite, kb);
    }
    int n = snprintf(out, cap,
                     "v=0\r\no=- %d %d IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                     "m=audio %u %s 0\r\na=rtpmap:0 PCMU/8000\r\n%s%sa=sendrecv\r\n",
                     version, version, port, suite ? "RTP/SAVP" : "RTP/AVP",
                     mux ? "a=rtcp-mux\r\n" : "", crypto);
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

size_t rte_ng_body(char *out, size_t cap, const char *command, const char *id, const char *sdp,
                   size_t sdp_len)
{
    bool offer = !strcmp(command, "offer");
    ctl_benc w;
    ctl_benc_init(&w, out, cap);
    ctl_benc_dict(&w);
    ctl_benc_kv_cstr(&w, "DTLS", "off");
    ctl_benc_kv_cstr(&w, "call-id", id);
    ctl_benc_kv_cstr(&w, "command", command);
    ctl_benc_kv_cstr(&w, "from-tag", "ft");
    ctl_benc_kv_str(&w, "sdp", sdp, sdp_len);
    if (offer)
        ctl_benc_kv_cstr(&w, "transport-protocol", "RTP/SAVP");
    else
        ctl_benc_kv_cstr(&w, "to-tag", "tt");
    ctl_benc_end(&w);
    return ctl_benc_ok(&w) ? w.len : 0;
}

/*
 * tests/fuzz/fuzz_pcap_frame.c — libFuzzer target fuzz_pcap_frame: srtp-pcap's
 * frame parser and rewriter (rtp/tools/pcap_frame.c) on arbitrary captured
 * bytes. The first input byte picks the link type, the second how much the
 * payload grows or shrinks; the rest is the frame. Under ASan+UBSan any read
 * outside the frame is a crash; the invariants below abort when broken: the
 * payload found lies inside the frame, and a rewritten frame parses back with
 * the new payload at the same offset.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/dlt.h>

#include "tools/pcap_frame.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int dlts[] = {DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
                               DLT_IPV4,   DLT_IPV6,      DLT_NULL,       DLT_LOOP};
    static uint8_t out[65536 + 512], payload[65536];
    if (size < 2)
        return 0;
    int dlt = dlts[data[0] % 8];
    int delta = (int)(data[1] % 64) - 32;
    size_t n = size - 2;
    uint8_t *frame = malloc(n ? n : 1); /* exact size: ASan sees overreads */
    if (!frame)
        return 0;
    memcpy(frame, data + 2, n);
    pcap_frame f;
    if (pcap_frame_parse(dlt, frame, n, n, &f) == PCAP_FRAME_UDP) {
        if (f.payload_off > n || f.payload_len > n - f.payload_off)
            abort();
        size_t len = f.payload_len;
        len = delta < 0 && (size_t)-delta > len ? 0 : (size_t)((long)len + delta);
        memset(payload, 0xa5, len);
        size_t m = pcap_frame_rewrite(frame, &f, payload, len, out, sizeof out);
        if (m) {
            pcap_frame g;
            if (m != f.payload_off + len ||
                pcap_frame_parse(dlt, out, m, m, &g) != PCAP_FRAME_UDP ||
                g.payload_off != f.payload_off || g.payload_len != len)
                abort();
        }
    }
    free(frame);
    return 0;
}

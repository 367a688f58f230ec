/*
 * tests/unit/pcap_tool_test.c — build/srtp-pcap end to end on captures this
 * test writes (helpers in pcap_tool.h): Ethernet (one frame VLAN-tagged),
 * Linux cooked v1 and v2, raw IP; IPv4 and IPv6; three SSRCs, each on its own
 * crypto line (AES_CM_128_HMAC_SHA1_80; AEAD_AES_256_GCM with MKI and
 * lifetime; AES_CM_128_HMAC_SHA1_32 without tag), RTCP on port+1 and muxed
 * (RFC 5761), an IPv4 datagram without UDP checksum, a sequence wrap, and
 * packets that are not RTP (SIP text, STUN, TCP, ARP).
 *
 *   encrypt -> every SRTP/SRTCP packet unprotected by libsrtp2 gives the
 *              original; lengths and checksums verify; others untouched
 *   decrypt (lines in another order) -> the original capture, byte for byte
 *   libsrtp2-encrypted captures, pcapng input, nanosecond timestamps, one
 *   SSRC under two keys in two flows, a capture starting at ROC 5, a key
 *   lifetime with an MKI switch.
 * Bad packets, arguments and files: pcap_tool_errors_test.c.
 */
#include "tests/unit/pcap_tool.h"

/* Encrypt, check with libsrtp2, decrypt back; for each link type. */
static void test_round_trip_and_libsrtp(void)
{
    for (unsigned t = 0; t < sizeof dlts / sizeof dlts[0]; t++) {
        static cap in, enc, dec;
        char pin[256], penc[256], pdec[256];
        path(pin, "in.pcap");
        path(penc, "enc.pcap");
        path(pdec, "dec.pcap");
        build(&in, dlts[t]);
        CHECK(write_cap(&in, pin) == 0);
        const char *e[] = {"encrypt",  "--crypto",   line_text[0], "--crypto", line_text[1],
                           "--crypto", line_text[2], pin,          penc,       NULL};
        int rc = run(e);
        CHECK_MSG(rc == 0, "dlt %d: encrypt exit %d: %s", dlts[t], rc, err_text);
        CHECK_EQ(lines_in(err_text), 1);
        CHECK(strstr(err_text, "encrypted") != NULL);
        CHECK(!leaks_key(err_text));
        CHECK(read_cap(&enc, penc) == 0);
        CHECK_EQ(enc.dlt, dlts[t]);
        CHECK_EQ(enc.n, in.n);
        srtp_t ls[3];
        for (int s = 0; s < 3; s++)
            ls[s] = ls_session(s);
        CHECK(ls[0] && ls[1] && ls[2]);
        size_t checked = 0;
        for (size_t i = 0; i < in.n; i++) {
            const pkt *a = &in.p[i], *b = &enc.p[i];
            if (a->kind == K_OTHER) {
                CHECK_EQ(b->h.caplen, a->h.caplen);
                CHECK_MEM_EQ(b->d, a->d, a->h.caplen);
                continue;
            }
            size_t grown = a->pay_len + overhead(a->stream, a->kind);
            CHECK_MSG(b->h.caplen == a->pay_off + grown && b->h.len == b->h.caplen,
                      "dlt %d packet %zu: length %u, expected %zu", dlts[t], i, b->h.caplen,
                      a->pay_off + grown);
            CHECK_MEM_EQ(b->d, a->d, a->udp_off - (a->ipv == 4 ? 20 : 40)); /* link header */
            /* Lengths and checksums (IPv4 without UDP checksum keeps 0). */
            const uint8_t *ip = b->d + a->ip_off, *udp = b->d + a->udp_off;
            CHECK_EQ(udp[4] << 8 | udp[5], 8 + grown);
            if (a->ipv == 4) {
                CHECK_EQ(ip[2] << 8 | ip[3], 28 + grown);
                CHECK_EQ(csum_fold(csum_add(0, ip, 20)), 0);
            } else {
                CHECK_EQ(ip[4] << 8 | ip[5], 8 + grown);
            }
            uint16_t got = (uint16_t)(udp[6] << 8 | udp[7]);
            if (a->stream == 2 && a->ipv == 4) {
                CHECK_EQ(got, 0);
            } else {
                uint8_t tmp[FR];
                memcpy(tmp, udp, 8 + grown);
                tmp[6] = tmp[7] = 0;
                CHECK_EQ(got, udp_csum(ip, a->ipv, tmp, 8 + grown));
            }
            /* libsrtp2 unprotects srtp-pcap's packet to the original. */
            uint8_t buf[FR];
            memcpy(buf, b->d + a->pay_off, grown);
            int len = (int)grown;
            int use_mki = a->stream == 1;
            int st = a->kind == K_RTP ? srtp_unprotect_mki(ls[a->stream], buf, &len, use_mki)
                                      : srtp_unprotect_rtcp_mki(ls[a->stream], buf, &len, use_mki);
            CHECK_MSG(st == 0, "dlt %d packet %zu (stream %d %s): libsrtp2 status %d", dlts[t], i,
                      a->stream, a->kind == K_RTP ? "RTP" : "RTCP", st);
            CHECK_EQ((size_t)len, a->pay_len);
            CHECK_MEM_EQ(buf, a->d + a->pay_off, a->pay_len);
            checked++;
        }
        for (int s = 0; s < 3; s++)
            srtp_dealloc(ls[s]);
        CHECK(checked > 80);
        /* Decrypt with the lines in another order: each SSRC finds its own. */
        const char *d[] = {"decrypt",  "--crypto",   line_text[2], "--crypto", line_text[0],
                           "--crypto", line_text[1], penc,         pdec,       NULL};
        rc = run(d);
        CHECK_MSG(rc == 0, "dlt %d: decrypt exit %d: %s", dlts[t], rc, err_text);
        CHECK(strstr(err_text, " 0 failed authentication, 0 replayed") != NULL);
        CHECK(read_cap(&dec, pdec) == 0);
        CHECK_EQ(dec.n, in.n);
        for (size_t i = 0; i < in.n; i++) {
            CHECK_EQ(dec.p[i].h.caplen, in.p[i].h.caplen);
            CHECK_EQ(dec.p[i].h.len, in.p[i].h.len);
            CHECK_EQ(dec.p[i].h.ts.tv_sec, in.p[i].h.ts.tv_sec);
            CHECK_EQ(dec.p[i].h.ts.tv_usec, in.p[i].h.ts.tv_usec);
            CHECK_MEM_EQ(dec.p[i].d, in.p[i].d, in.p[i].h.caplen);
        }
        /* And the files themselves: same header (link type, microsecond
         * magic, snaplen), same records. */
        CHECK_MSG(same_bytes(pin, pdec), "dlt %d: decrypted file differs from the input", dlts[t]);
    }
}

/* A nanosecond capture stays one, timestamps exact. */
static void test_nanosecond_capture(void)
{
    static cap in;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    build(&in, DLT_RAW);
    for (size_t i = 0; i < in.n; i++)
        in.p[i].h.ts.tv_usec = (long)(123456789 - i); /* nanoseconds here */
    pcap_t *dead = pcap_open_dead_with_tstamp_precision(DLT_RAW, 65535, PCAP_TSTAMP_PRECISION_NANO);
    pcap_dumper_t *dm = pcap_dump_open(dead, pin);
    CHECK(dm != NULL);
    for (size_t i = 0; i < in.n; i++)
        pcap_dump((u_char *)dm, &in.p[i].h, in.p[i].d);
    pcap_dump_close(dm);
    pcap_close(dead);
    const char *e[] = {"encrypt", "--crypto", line_text[1], pin, penc, NULL};
    CHECK_EQ(run(e), 0);
    const char *d[] = {"decrypt", "--crypto", line_text[1], penc, pdec, NULL};
    CHECK_EQ(run(d), 0);
    CHECK(same_bytes(pin, pdec));
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(penc, PCAP_TSTAMP_PRECISION_NANO, err);
    CHECK(p != NULL);
    struct pcap_pkthdr *h;
    const u_char *data;
    int got = pcap_next_ex(p, &h, &data);
    long frac = got == 1 ? (long)h->ts.tv_usec : -1; /* h dies with p */
    pcap_close(p);
    CHECK_EQ(got, 1);
    CHECK_EQ(frac, 123456789);
}

/* The other direction: libsrtp2 encrypts (each packet rebuilt around its
 * SRTP/SRTCP with the test's own frame builder), srtp-pcap decrypts back to
 * the plain capture, byte for byte. */
static void test_libsrtp_encrypted_capture(void)
{
    static cap in, lenc;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    build(&in, DLT_EN10MB);
    CHECK(write_cap(&in, pin) == 0);
    srtp_t ls[3];
    for (int s = 0; s < 3; s++)
        ls[s] = ls_session(s);
    CHECK(ls[0] && ls[1] && ls[2]);
    memset(&lenc, 0, sizeof lenc);
    lenc.dlt = in.dlt;
    int bad = 0;
    for (size_t i = 0; i < in.n; i++) {
        const pkt *a = &in.p[i];
        if (a->kind == K_OTHER) {
            lenc.p[lenc.n++] = *a;
            continue;
        }
        uint8_t buf[FR];
        memcpy(buf, a->d + a->pay_off, a->pay_len);
        int len = (int)a->pay_len, mki = a->stream == 1;
        bad |= a->kind == K_RTP ? srtp_protect_mki(ls[a->stream], buf, &len, mki, 0)
                                : srtp_protect_rtcp_mki(ls[a->stream], buf, &len, mki, 0);
        frame(&lenc, a->ipv, a->sport, a->dport, buf, (size_t)len, a->kind, a->stream, a->vlan,
              a->no_csum, 0);
        lenc.p[lenc.n - 1].h.ts = a->h.ts;
    }
    for (int s = 0; s < 3; s++)
        srtp_dealloc(ls[s]);
    CHECK_EQ(bad, 0);
    CHECK(write_cap(&lenc, penc) == 0);
    const char *d[] = {"decrypt",  "--crypto",   line_text[1], "--crypto", line_text[2],
                       "--crypto", line_text[0], penc,         pdec,       NULL};
    int rc = run(d);
    CHECK_MSG(rc == 0, "decrypt exit %d: %s", rc, err_text);
    CHECK_MSG(strstr(err_text, " 0 failed authentication, 0 replayed") != NULL, "%s", err_text);
    CHECK(same_bytes(pin, pdec));
}

/*
 * A re-keying relay forwards the SSRC unchanged: the capture holds SSRC A in
 * two flows (in: line 1's key; out: line 3's key). srtp-pcap keeps a context
 * per SSRC and flow, so both legs decrypt.
 */
static void test_same_ssrc_two_legs(void)
{
    static cap plain, enc;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    memset(&plain, 0, sizeof plain);
    memset(&enc, 0, sizeof enc);
    plain.dlt = enc.dlt = DLT_RAW;
    srtp_t in_leg = ls_session_ssrc(0, ssrcs[0]), out_leg = ls_session_ssrc(2, ssrcs[0]);
    CHECK(in_leg && out_leg);
    int bad = 0;
    for (unsigned i = 0; i < 40; i++) {
        uint8_t b[FR];
        size_t n = rtp(b, ssrcs[0], (uint16_t)(900 + i / 2), 160);
        int leg = i % 2;
        uint16_t sport = leg ? 30000 : 40000, dport = leg ? 31000 : 50000;
        frame(&plain, 4, sport, dport, b, n, K_RTP, 0, 0, 0, 0);
        int len = (int)n;
        bad |= srtp_protect(leg ? out_leg : in_leg, b, &len);
        frame(&enc, 4, sport, dport, b, (size_t)len, K_RTP, 0, 0, 0, 0);
    }
    srtp_dealloc(in_leg);
    srtp_dealloc(out_leg);
    CHECK_EQ(bad, 0);
    CHECK(write_cap(&plain, pin) == 0);
    CHECK(write_cap(&enc, penc) == 0);
    const char *d[] = {"decrypt",    "--crypto", line_text[0], "--crypto",
                       line_text[2], penc,       pdec,         NULL};
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK_MSG(strstr(err_text, "40 decrypted, 0 failed authentication") != NULL, "%s", err_text);
    CHECK_MSG(strstr(err_text, "1 SSRCs in 2 streams") != NULL, "%s", err_text);
    CHECK(same_bytes(pin, pdec));
}

/*
 * pcapng input (Wireshark's default format): a hand-written Section Header,
 * Interface Description (LINKTYPE_RAW) and Enhanced Packet Blocks
 * (pcapng spec, draft-ietf-opsawg-pcapng §4.1-4.3) holding the encrypted
 * packets; srtp-pcap decrypts them into a pcap with the plain packets.
 */
static void put_le32(FILE *f, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
}

static void test_pcapng_input(void)
{
    static cap in, enc, dec;
    char pin[256], penc[256], png[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(png, "enc.pcapng");
    path(pdec, "dec.pcap");
    build(&in, DLT_RAW);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = {"encrypt",  "--crypto",   line_text[0], "--crypto", line_text[1],
                       "--crypto", line_text[2], pin,          penc,       NULL};
    CHECK_EQ(run(e), 0);
    CHECK(read_cap(&enc, penc) == 0);
    FILE *f = fopen(png, "wb");
    CHECK(f != NULL);
    put_le32(f, 0x0A0D0D0A); /* SHB */
    put_le32(f, 28);
    put_le32(f, 0x1A2B3C4D);
    put_le32(f, 0x00000001); /* version 1.0 */
    put_le32(f, 0xffffffff); /* section length unknown */
    put_le32(f, 0xffffffff);
    put_le32(f, 28);
    put_le32(f, 1); /* IDB */
    put_le32(f, 20);
    put_le32(f, 101); /* LINKTYPE_RAW, reserved 0 */
    put_le32(f, 0);   /* snaplen: none */
    put_le32(f, 20);
    for (size_t i = 0; i < enc.n; i++) {
        uint32_t cl = enc.p[i].h.caplen, padded = (cl + 3) & ~3u;
        uint64_t us = (uint64_t)enc.p[i].h.ts.tv_sec * 1000000u + (uint64_t)enc.p[i].h.ts.tv_usec;
        put_le32(f, 6); /* EPB */
        put_le32(f, 32 + padded);
        put_le32(f, 0); /* interface 0 */
        put_le32(f, (uint32_t)(us >> 32));
        put_le32(f, (uint32_t)us);
        put_le32(f, cl);
        put_le32(f, cl);
        fwrite(enc.p[i].d, 1, cl, f);
        for (uint32_t z = cl; z < padded; z++)
            fputc(0, f);
        put_le32(f, 32 + padded);
    }
    fclose(f);
    const char *d[] = {"decrypt",  "--crypto",   line_text[0], "--crypto", line_text[1],
                       "--crypto", line_text[2], png,          pdec,       NULL};
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK(read_cap(&dec, pdec) == 0);
    CHECK_EQ(dec.dlt, DLT_RAW);
    CHECK_EQ(dec.n, in.n);
    for (size_t i = 0; i < in.n; i++) {
        CHECK_EQ(dec.p[i].h.caplen, in.p[i].h.caplen);
        CHECK_EQ(dec.p[i].h.ts.tv_sec, in.p[i].h.ts.tv_sec);
        CHECK_EQ(dec.p[i].h.ts.tv_usec, in.p[i].h.ts.tv_usec);
        CHECK_MEM_EQ(dec.p[i].d, in.p[i].d, in.p[i].h.caplen);
    }
}

/* A capture that starts mid-call, after the sender's sequence number has
 * wrapped 5 times (ROC 5, RFC 3711 §3.3.1), and wraps once more: decrypt
 * finds the ROC (default search 0..7); with --max-roc 4 it cannot. */
static void test_capture_starts_mid_call(void)
{
    static cap plain, enc;
    char pin[256], penc[256], pdec[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    memset(&plain, 0, sizeof plain);
    memset(&enc, 0, sizeof enc);
    plain.dlt = enc.dlt = DLT_RAW;
    srtp_t a = ls_session(0), b = ls_session(1);
    CHECK(a && b);
    CHECK_EQ(srtp_set_stream_roc(a, ssrcs[0], 5), 0);
    CHECK_EQ(srtp_set_stream_roc(b, ssrcs[1], 5), 0);
    int bad = 0;
    for (unsigned i = 0; i < 60; i++) {
        uint8_t pkt_a[FR];
        int k = i % 2;
        size_t n = rtp(pkt_a, ssrcs[k], (uint16_t)(65510 + i / 2), 80);
        frame(&plain, 4, 40000, (uint16_t)(50000 + 2 * k), pkt_a, n, K_RTP, k, 0, 0, 0);
        int len = (int)n;
        bad |= srtp_protect_mki(k ? b : a, pkt_a, &len, k, 0);
        frame(&enc, 4, 40000, (uint16_t)(50000 + 2 * k), pkt_a, (size_t)len, K_RTP, k, 0, 0, 0);
    }
    srtp_dealloc(a);
    srtp_dealloc(b);
    CHECK_EQ(bad, 0);
    CHECK(write_cap(&plain, pin) == 0);
    CHECK(write_cap(&enc, penc) == 0);
    const char *d[] = {"decrypt",    "--crypto", line_text[0], "--crypto",
                       line_text[1], penc,       pdec,         NULL};
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK_MSG(strstr(err_text, "60 decrypted, 0 failed") != NULL, "%s", err_text);
    CHECK(same_bytes(pin, pdec));
    const char *l[] = {"decrypt",  "--max-roc",  "4",  "--crypto", line_text[0],
                       "--crypto", line_text[1], penc, pdec,       NULL};
    CHECK_EQ(run(l), 0);
    CHECK_MSG(strstr(err_text, "0 decrypted, 60 failed authentication") != NULL, "%s", err_text);
}

/*
 * Key lifetimes and MKI through an SDP line (RFC 4568 §6.1): two keys, the
 * first good for 2^4 packets. encrypt switches to the second key after 16
 * packets (RFC 3711 §9.2 / sg_srtp automatic switch) and writes its MKI;
 * libsrtp2, holding both keys, decrypts every packet; decrypt gives back the
 * capture.
 */
static void test_lifetime_mki_switch(void)
{
    static cap in, enc;
    char pin[256], penc[256], pdec[256], line[512];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    snprintf(line, sizeof line, "1 AES_CM_128_HMAC_SHA1_80 inline:%s|2^4|1:4;inline:%s|2^20|2:4",
             b64[0], b64[2]);
    memset(&in, 0, sizeof in);
    in.dlt = DLT_RAW;
    for (unsigned i = 0; i < 40; i++) {
        uint8_t b[FR];
        size_t n = rtp(b, ssrcs[0], (uint16_t)(100 + i), 60);
        frame(&in, 4, 40000, 50000, b, n, K_RTP, 0, 0, 0, 0);
    }
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = {"encrypt", "--crypto", line, pin, penc, NULL};
    int rc = run(e);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK(read_cap(&enc, penc) == 0);
    CHECK_EQ(enc.n, 40);
    /* libsrtp2 with both keys by MKI. */
    static const uint8_t mki1[4] = {0, 0, 0, 1}, mki2[4] = {0, 0, 0, 2};
    srtp_master_key_t k1 = {.key = keysalt[0], .mki_id = (unsigned char *)mki1, .mki_size = 4};
    srtp_master_key_t k2 = {.key = keysalt[2], .mki_id = (unsigned char *)mki2, .mki_size = 4};
    srtp_master_key_t *ks[2] = {&k1, &k2};
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&p.rtcp);
    p.keys = ks;
    p.num_master_keys = 2;
    p.ssrc.type = ssrc_specific;
    p.ssrc.value = ssrcs[0];
    p.window_size = 128;
    srtp_t ls = NULL;
    CHECK_EQ(srtp_create(&ls, &p), 0);
    unsigned with_key2 = 0;
    int bad = 0;
    for (size_t i = 0; i < enc.n; i++) {
        const pkt *a = &in.p[i];
        size_t slen = enc.p[i].h.caplen - a->pay_off;
        uint8_t buf[FR];
        memcpy(buf, enc.p[i].d + a->pay_off, slen);
        const uint8_t *mki = buf + a->pay_len; /* RTP || MKI || tag */
        int second = memcmp(mki, mki2, 4) == 0;
        with_key2 += (unsigned)second;
        if ((i < 16) == second || (!second && memcmp(mki, mki1, 4) != 0))
            bad |= 1;
        int len = (int)slen;
        if (srtp_unprotect_mki(ls, buf, &len, 1) != 0 || (size_t)len != a->pay_len ||
            memcmp(buf, a->d + a->pay_off, a->pay_len) != 0)
            bad |= 2;
    }
    srtp_dealloc(ls);
    CHECK_EQ(bad, 0);
    CHECK_EQ(with_key2, 24);
    const char *d[] = {"decrypt", "--crypto", line, penc, pdec, NULL};
    CHECK_EQ(run(d), 0);
    CHECK(same_bytes(pin, pdec));
    /* One key of 2^4 packets and no next key: after 16 packets protect
     * refuses (RFC 3711 §9.2); the rest is counted and left out. */
    snprintf(line, sizeof line, "AES_CM_128_HMAC_SHA1_80 inline:%s|2^4", b64[0]);
    const char *x[] = {"encrypt", "--crypto", line, pin, penc, NULL};
    CHECK_EQ(run(x), 0);
    CHECK_MSG(strstr(err_text, "16 encrypted, 24 failed") != NULL, "%s", err_text);
    CHECK(read_cap(&enc, penc) == 0);
    CHECK_EQ(enc.n, 16);
}

/*
 * The line's session parameters reach the transform (RFC 4568 §6.3):
 * UNENCRYPTED_SRTP leaves the payload readable, UNAUTHENTICATED_SRTP adds
 * no tag, UNENCRYPTED_SRTCP clears the E flag, KDR=4 re-derives keys every
 * 2^4 packets (so packets from the 16th on differ from a KDR-less run and
 * still decrypt), WSH is accepted as the window; FEC_ORDER and a WSH above
 * 4096 are refused.
 */
static void test_session_parameters(void)
{
    static cap in, enc, ref;
    char pin[256], penc[256], pref[256], pdec[256], line[512], line2[512];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pref, "out.pcap");
    path(pdec, "dec.pcap");
    memset(&in, 0, sizeof in);
    in.dlt = DLT_RAW;
    for (unsigned i = 0; i < 40; i++) {
        uint8_t b[FR];
        size_t n =
            i % 10 == 9 ? rtcp_sr(b, ssrcs[0], i) : rtp(b, ssrcs[0], (uint16_t)(300 + i), 50);
        frame(&in, 4, 40000, 50000, b, n, i % 10 == 9 ? K_RTCP : K_RTP, 0, 0, 0, 0);
    }
    CHECK(write_cap(&in, pin) == 0);
    static const struct {
        const char *params;
        int clear_rtp, tag, clear_rtcp;
    } cases[] = {
        {"UNENCRYPTED_SRTP", 1, 10, 0},
        {"UNAUTHENTICATED_SRTP", 0, 0, 0},
        {"UNENCRYPTED_SRTCP", 0, 10, 1},
        {"UNENCRYPTED_SRTP UNENCRYPTED_SRTCP WSH=64", 1, 10, 1},
    };
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        snprintf(line, sizeof line, "AES_CM_128_HMAC_SHA1_80 inline:%s %s", b64[0],
                 cases[c].params);
        const char *e[] = {"encrypt", "--crypto", line, pin, penc, NULL};
        CHECK_MSG(run(e) == 0, "%s: %s", cases[c].params, err_text);
        CHECK(read_cap(&enc, penc) == 0);
        CHECK_EQ(enc.n, in.n);
        for (size_t i = 0; i < in.n; i++) {
            const pkt *a = &in.p[i];
            const uint8_t *o = enc.p[i].d + a->pay_off;
            size_t olen = enc.p[i].h.caplen - a->pay_off;
            if (a->kind == K_RTP) {
                CHECK_MSG(olen == a->pay_len + (size_t)cases[c].tag, "%s: RTP length %zu",
                          cases[c].params, olen);
                CHECK_EQ(memcmp(o + 12, a->d + a->pay_off + 12, a->pay_len - 12) == 0,
                         cases[c].clear_rtp);
            } else {
                CHECK_EQ(olen, a->pay_len + 4 + 10);
                CHECK_EQ(o[a->pay_len] >> 7, !cases[c].clear_rtcp); /* E flag, §3.4 */
                CHECK_EQ(memcmp(o + 8, a->d + a->pay_off + 8, a->pay_len - 8) == 0,
                         cases[c].clear_rtcp);
            }
        }
        const char *d[] = {"decrypt", "--crypto", line, penc, pdec, NULL};
        CHECK_EQ(run(d), 0);
        CHECK_MSG(same_bytes(pin, pdec), "%s: decrypt differs", cases[c].params);
    }
    /* KDR=4 against no KDR: equal for the first 16 SRTP packets (index
     * 0..15 derive the same keys, r = index DIV 2^4 = 0), different after. */
    snprintf(line, sizeof line, "AES_CM_128_HMAC_SHA1_80 inline:%s KDR=4", b64[0]);
    snprintf(line2, sizeof line2, "AES_CM_128_HMAC_SHA1_80 inline:%s", b64[0]);
    memset(&in, 0, sizeof in);
    in.dlt = DLT_RAW;
    for (unsigned i = 0; i < 40; i++) {
        uint8_t b[FR];
        size_t n = rtp(b, ssrcs[0], (uint16_t)i, 50); /* index = seq from 0 */
        frame(&in, 4, 40000, 50000, b, n, K_RTP, 0, 0, 0, 0);
    }
    CHECK(write_cap(&in, pin) == 0);
    const char *k1[] = {"encrypt", "--crypto", line, pin, penc, NULL};
    const char *k2[] = {"encrypt", "--crypto", line2, pin, pref, NULL};
    CHECK_EQ(run(k1), 0);
    CHECK_EQ(run(k2), 0);
    CHECK(read_cap(&enc, penc) == 0 && read_cap(&ref, pref) == 0);
    for (size_t i = 0; i < 40; i++)
        CHECK_MSG((memcmp(enc.p[i].d, ref.p[i].d, enc.p[i].h.caplen) == 0) == (i < 16),
                  "KDR=4: packet %zu", i);
    const char *kd[] = {"decrypt", "--crypto", line, penc, pdec, NULL};
    CHECK_EQ(run(kd), 0);
    CHECK(same_bytes(pin, pdec));
    /* Refused parameters. */
    snprintf(line, sizeof line, "AES_CM_128_HMAC_SHA1_80 inline:%s FEC_ORDER=FEC_SRTP", b64[0]);
    const char *f1[] = {"decrypt", "--crypto", line, penc, pdec, NULL};
    CHECK_EQ(run(f1), 1);
    CHECK(strstr(err_text, "FEC") != NULL);
    snprintf(line, sizeof line, "AES_CM_128_HMAC_SHA1_80 inline:%s WSH=8192", b64[0]);
    CHECK_EQ(run(f1), 1);
    CHECK(strstr(err_text, "WSH") != NULL);
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "pcap_tool: setup failed\n");
        return 1;
    }
    RUN(test_round_trip_and_libsrtp);
    RUN(test_nanosecond_capture);
    RUN(test_libsrtp_encrypted_capture);
    RUN(test_pcapng_input);
    RUN(test_same_ssrc_two_legs);
    RUN(test_capture_starts_mid_call);
    RUN(test_lifetime_mki_switch);
    RUN(test_session_parameters);
    teardown();
    return check_summary("pcap_tool");
}

/*
 * tests/unit/pcap_tool_errors_test.c — build/srtp-pcap when things are
 * wrong (helpers in pcap_tool.h): forged and replayed packets are counted and
 * left out (or kept unchanged with --keep-failed); --port leaves other
 * streams encrypted; a wrong key leaves every SRTP packet out with exit 0;
 * bad lines, key files, captures and arguments give a non-zero exit with
 * exactly one stderr line and never the key text. Also --crypto-file.
 */
#include "tests/unit/pcap_tool.h"

/* --crypto-file: the keys from an SDP file (CRLF, other SDP lines skipped,
 * a bare LINE too); a bad line names file and line number; a file without
 * crypto lines or a missing file is an error. */
static void test_crypto_file(void)
{
    static cap in;
    char pin[256], penc[256], pdec[256], psdp[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pdec, "dec.pcap");
    path(psdp, "keys.sdp");
    build(&in, DLT_LINUX_SLL2);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = {"encrypt",  "--crypto",   line_text[0], "--crypto", line_text[1],
                       "--crypto", line_text[2], pin,          penc,       NULL};
    CHECK_EQ(run(e), 0);
    FILE *f = fopen(psdp, "w");
    CHECK(f != NULL);
    fprintf(f,
            "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
            "m=audio 50000 RTP/SAVP 0\r\n%s\r\na=crypto:%s\r\na=rtpmap:0 PCMU/8000\r\n"
            "# the third key, as a bare line\r\n  %s\r\n",
            line_text[0], line_text[1], line_text[2]);
    fclose(f);
    const char *d[] = {"decrypt", "--crypto-file", psdp, penc, pdec, NULL};
    int rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK(same_bytes(pin, pdec));
    /* The attribute name in another case is still a=crypto (as the SDES
     * engine reads it), not an SDP line to skip. */
    f = fopen(psdp, "w");
    CHECK(f != NULL);
    fprintf(f, "v=0\r\na=CRYPTO:%s\r\na=Crypto:%s\r\na=crypto:3 %s\r\n",
            line_text[0] + strlen("a=crypto:"), line_text[1], line_text[2]);
    fclose(f);
    rc = run(d);
    CHECK_MSG(rc == 0, "exit %d: %s", rc, err_text);
    CHECK(same_bytes(pin, pdec));
    f = fopen(psdp, "w");
    CHECK(f != NULL);
    fprintf(f, "# keys\n%s\nAES_CM_128_HMAC_SHA1_80 inline:%.*s!!\n", line_text[0], 38, b64[0]);
    fclose(f);
    rc = run(d);
    CHECK_EQ(rc, 1);
    CHECK_EQ(lines_in(err_text), 1);
    CHECK_MSG(strstr(err_text, "keys.sdp:3: key is not valid base64") != NULL, "%s", err_text);
    CHECK(!leaks_key(err_text));
    f = fopen(psdp, "w");
    CHECK(f != NULL);
    fprintf(f, "v=0\n# nothing here\n");
    fclose(f);
    CHECK_EQ(run(d), 1);
    CHECK_MSG(strstr(err_text, "no crypto line") != NULL, "%s", err_text);
    const char *m[] = {"decrypt", "--crypto-file", "/nonexistent/keys", penc, pdec, NULL};
    CHECK_EQ(run(m), 1);
    CHECK_EQ(lines_in(err_text), 1);
    unlink(psdp);
}

/* Forged and replayed packets: counted, left out; --keep-failed keeps them
 * unchanged. */
static void test_forged_and_replayed(void)
{
    static cap in, enc, bad, out;
    char pin[256], penc[256], pbad[256], pout[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pbad, "bad.pcap");
    path(pout, "out.pcap");
    build(&in, DLT_RAW);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = {"encrypt",  "--crypto",   line_text[0], "--crypto", line_text[1],
                       "--crypto", line_text[2], pin,          penc,       NULL};
    CHECK_EQ(run(e), 0);
    CHECK(read_cap(&enc, penc) == 0);
    /* bad = enc with packet 5 (RTP) replayed right after itself and one
     * byte of packet 9's payload flipped. */
    memset(&bad, 0, sizeof bad);
    bad.dlt = enc.dlt;
    size_t forged = 9, replayed = 5;
    CHECK(in.p[forged].kind == K_RTP && in.p[replayed].kind == K_RTP);
    for (size_t i = 0; i < enc.n; i++) {
        bad.p[bad.n++] = enc.p[i];
        if (i == replayed)
            bad.p[bad.n++] = enc.p[i];
    }
    pkt *f = &bad.p[forged + 1];
    f->d[in.p[forged].pay_off + 20] ^= 0x08; /* UDP checksum now wrong too: not our business */
    CHECK(write_cap(&bad, pbad) == 0);
    const char *d[] = {"decrypt",  "--crypto",   line_text[0], "--crypto", line_text[1],
                       "--crypto", line_text[2], pbad,         pout,       NULL};
    CHECK_EQ(run(d), 0);
    CHECK_MSG(strstr(err_text, " 1 failed authentication, 1 replayed") != NULL, "%s", err_text);
    CHECK(read_cap(&out, pout) == 0);
    CHECK_EQ(out.n, in.n - 1);
    const char *k[] = {"decrypt",    "--keep-failed", "--crypto",   line_text[0], "--crypto",
                       line_text[1], "--crypto",      line_text[2], pbad,         pout,
                       NULL};
    CHECK_EQ(run(k), 0);
    CHECK(read_cap(&out, pout) == 0);
    CHECK_EQ(out.n, bad.n);
    CHECK_MEM_EQ(out.p[forged + 1].d, f->d, f->h.caplen); /* unchanged */
    CHECK_MEM_EQ(out.p[replayed + 1].d, enc.p[replayed].d, enc.p[replayed].h.caplen);
    CHECK_MEM_EQ(out.p[replayed].d, in.p[replayed].d, in.p[replayed].h.caplen); /* decrypted */
}

/* --port picks stream A (RTP on 50000, RTCP on 50001); B and C pass through
 * still encrypted. A wrong key leaves every SRTP packet out, exit 0. */
static void test_port_and_wrong_key(void)
{
    static cap in, enc, out;
    char pin[256], penc[256], pout[256];
    path(pin, "in.pcap");
    path(penc, "enc.pcap");
    path(pout, "out.pcap");
    build(&in, DLT_LINUX_SLL);
    CHECK(write_cap(&in, pin) == 0);
    const char *e[] = {"encrypt",  "--crypto",   line_text[0], "--crypto", line_text[1],
                       "--crypto", line_text[2], pin,          penc,       NULL};
    CHECK_EQ(run(e), 0);
    CHECK(read_cap(&enc, penc) == 0);
    const char *d[] = {"decrypt", "--port", "50000", "--crypto", line_text[0], penc, pout, NULL};
    CHECK_EQ(run(d), 0);
    CHECK(strstr(err_text, " 0 failed authentication") != NULL);
    CHECK(read_cap(&out, pout) == 0);
    CHECK_EQ(out.n, in.n);
    for (size_t i = 0; i < in.n; i++) {
        const pkt *want = in.p[i].stream == 0 || in.p[i].kind == K_OTHER ? &in.p[i] : &enc.p[i];
        CHECK_EQ(out.p[i].h.caplen, want->h.caplen);
        CHECK_MEM_EQ(out.p[i].d, want->d, want->h.caplen);
    }
    /* Line 3's key for everything: only stream C authenticates. */
    const char *w[] = {"decrypt", "--crypto", line_text[2], penc, pout, NULL};
    CHECK_EQ(run(w), 0);
    CHECK(read_cap(&out, pout) == 0);
    size_t expect = 0, failed = 0;
    for (size_t i = 0; i < in.n; i++) {
        if (in.p[i].kind == K_OTHER || in.p[i].stream == 2)
            expect++;
        else
            failed++;
    }
    CHECK_EQ(out.n, expect);
    char want[64];
    snprintf(want, sizeof want, " %zu failed authentication", failed);
    CHECK_MSG(strstr(err_text, want) != NULL, "%s", err_text);
}

/* Bad lines, files and arguments: non-zero exit, exactly one stderr line,
 * never the key text. */
static void test_bad_inputs(void)
{
    char pin[256], pout[256], ptxt[256], pwifi[256], ptrunc[256];
    path(pin, "in.pcap");
    path(pout, "out.pcap");
    path(ptxt, "text.pcap");
    path(pwifi, "wifi.pcap");
    path(ptrunc, "trunc.pcap");
    static cap in;
    build(&in, DLT_RAW);
    CHECK(write_cap(&in, pin) == 0);
    FILE *f = fopen(ptxt, "w");
    CHECK(f != NULL);
    fputs("this is not a capture\n", f);
    fclose(f);
    pcap_t *dead = pcap_open_dead(DLT_IEEE802_11, 65535);
    pcap_dumper_t *dm = pcap_dump_open(dead, pwifi);
    CHECK(dm != NULL);
    pcap_dump((u_char *)dm, &in.p[1].h, in.p[1].d);
    pcap_dump_close(dm);
    pcap_close(dead);
    /* A capture cut in the middle of its last record. */
    {
        FILE *a = fopen(pin, "rb"), *b = fopen(ptrunc, "wb");
        CHECK(a && b);
        char buf[65536];
        size_t n = fread(buf, 1, sizeof buf, a);
        fwrite(buf, 1, n > 100 ? n - 100 : n, b);
        fclose(a);
        fclose(b);
    }
    char bad64[300], badlen[300], unknown[300], badmki[300];
    snprintf(bad64, sizeof bad64, "AES_CM_128_HMAC_SHA1_80 inline:%.*s!!", 38, b64[0]);
    snprintf(badlen, sizeof badlen, "AES_256_CM_HMAC_SHA1_80 inline:%s", b64[0]);
    snprintf(unknown, sizeof unknown, "1 AES_CM_999_HMAC inline:%s", b64[0]);
    snprintf(badmki, sizeof badmki, "AES_CM_128_HMAC_SHA1_80 inline:%s|1:0", b64[0]);
    static const struct {
        int rc;
        const char *why;
        const char *args[10];
    } cases[] = {
        {1, "missing file", {"decrypt", "--crypto", NULL, "/nonexistent/in.pcap", "OUT"}},
        {1, "not a pcap", {"decrypt", "--crypto", NULL, "TXT", "OUT"}},
        {1, "802.11 link type", {"decrypt", "--crypto", NULL, "WIFI", "OUT"}},
        {1, "same file", {"decrypt", "--crypto", NULL, "IN", "IN"}},
        {1, "bad base64", {"decrypt", "--crypto", "BAD64", "IN", "OUT"}},
        {1, "key length", {"decrypt", "--crypto", "BADLEN", "IN", "OUT"}},
        {1, "unknown suite", {"decrypt", "--crypto", "UNKNOWN", "IN", "OUT"}},
        {1, "MKI length 0", {"decrypt", "--crypto", "BADMKI", "IN", "OUT"}},
        {1, "truncated capture", {"decrypt", "--crypto", NULL, "TRUNC", "OUT"}},
        {2, "no --crypto", {"decrypt", "IN", "OUT"}},
        {2, "bad mode", {"scramble", "--crypto", NULL, "IN", "OUT"}},
        {2, "port 0", {"decrypt", "--port", "0", "--crypto", NULL, "IN", "OUT"}},
        {2, "max-roc -1", {"decrypt", "--max-roc", "-1", "--crypto", NULL, "IN", "OUT"}},
        {2, "missing OUT", {"decrypt", "--crypto", NULL, "IN"}},
        {2, "unknown option", {"decrypt", "--frobnicate", "--crypto", NULL, "IN", "OUT"}},
    };
    for (unsigned c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const char *args[12];
        int n = 0;
        for (int i = 0;
             i < 10 && (cases[c].args[i] || (i > 0 && cases[c].args[i - 1] &&
                                             strcmp(cases[c].args[i - 1], "--crypto") == 0));
             i++) {
            const char *a = cases[c].args[i];
            if (!a)
                a = line_text[0];
            else if (!strcmp(a, "IN"))
                a = pin;
            else if (!strcmp(a, "OUT"))
                a = pout;
            else if (!strcmp(a, "TXT"))
                a = ptxt;
            else if (!strcmp(a, "WIFI"))
                a = pwifi;
            else if (!strcmp(a, "TRUNC"))
                a = ptrunc;
            else if (!strcmp(a, "BAD64"))
                a = bad64;
            else if (!strcmp(a, "BADLEN"))
                a = badlen;
            else if (!strcmp(a, "UNKNOWN"))
                a = unknown;
            else if (!strcmp(a, "BADMKI"))
                a = badmki;
            args[n++] = a;
        }
        args[n] = NULL;
        int rc = run(args);
        int nl = lines_in(err_text);
        /* A truncated capture still gets its summary line after the error. */
        int want_lines = strcmp(cases[c].why, "truncated capture") == 0 ? 2 : 1;
        CHECK_MSG(rc == cases[c].rc, "%s: exit %d, expected %d (%s)", cases[c].why, rc, cases[c].rc,
                  err_text);
        CHECK_MSG(nl == want_lines, "%s: %d stderr lines: %s", cases[c].why, nl, err_text);
        CHECK_MSG(strncmp(err_text, "srtp-pcap: ", 11) == 0, "%s: %s", cases[c].why, err_text);
        CHECK_MSG(!leaks_key(err_text), "%s: key text on stderr", cases[c].why);
    }
}

int main(void)
{
    if (setup() != 0) {
        fprintf(stderr, "pcap_tool_errors: setup failed\n");
        return 1;
    }
    RUN(test_crypto_file);
    RUN(test_forged_and_replayed);
    RUN(test_port_and_wrong_key);
    RUN(test_bad_inputs);
    teardown();
    return check_summary("pcap_tool_errors");
}

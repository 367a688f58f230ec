/*
 * tests/unit/kam_flags_test.c — unit tests of sdes.so's Kamailio-free
 * parsers: the cfg-function flag strings (modules/sdes/call/flags.c) and
 * the "relay" module parameter (modules/sdes/call/relayspec.c), the
 * flags-to-engine bridge (modules/sdes/call/bridge.c) and the audit line
 * (modules/sdes/call/audit.c). A unit
 * test (tests/unit/call.mk), also under ASan/UBSan with `make asan`;
 * shared fixtures in kam_fixture.h.
 */
#include "tests/check.h"
#include "tests/unit/kam_fixture.h"

static void test_flags_full(void)
{
    char buf[256];
    CHECK_EQ(parse("mode=rekey policy=strong suites=AEAD_AES_256_GCM,AES_CM_128_HMAC_SHA1_80 "
                   "mki=4 lifetime=2^31 roc=reset"),
             0);
    CHECK_EQ(f.mode, SDES_CALL_MODE_REKEY);
    CHECK_EQ(f.policy, SDES_CALL_POLICY_STRONG);
    CHECK_EQ(f.n_suites, 2);
    CHECK_EQ(f.suites[0], SG_SUITE_AEAD_AES_256_GCM);
    CHECK_EQ(f.suites[1], SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    CHECK_EQ(f.mki_len, 4);
    CHECK_EQ(f.lifetime, UINT64_C(1) << 31);
    CHECK_EQ(f.roc, SDES_CALL_ROC_RESET);
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mode=rekey policy=strong suites=AEAD_AES_256_GCM,AES_CM_128_HMAC_SHA1_80 "
                      "mki=4 lifetime=2^31 roc=reset");
}

static void test_flags_bare_words_and_separators(void)
{
    CHECK_EQ(parse("  osrtp;require\t"), 0);
    CHECK_EQ(f.mode, SDES_CALL_MODE_OSRTP);
    CHECK_EQ(f.policy, SDES_CALL_POLICY_REQUIRE);
    CHECK_EQ(f.set, SDES_CALL_F_MODE | SDES_CALL_F_POLICY);
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(f.set, 0);
    CHECK_EQ(parse("lifetime=1000"), 0);
    CHECK_EQ(f.lifetime, 1000);
    CHECK_EQ(parse("lifetime=2^48 mki=0 passthrough"), 0);
    CHECK_EQ(f.lifetime, UINT64_C(1) << 48);
    CHECK_EQ(f.mki_len, 0);
}

/* Every rejection names what was wrong (one table, one reason each). */
static void test_flags_rejections(void)
{
    static const struct {
        const char *in, *reason;
    } bad[] = {
        {"mode=encrpyt", "unknown mode 'encrpyt'"},
        {"encrpyt", "unknown flag 'encrpyt'"},
        {"policy=lax", "unknown policy 'lax'"},
        {"colour=blue", "unknown flag 'colour'"},
        {"suites=", "empty suite list in ''"},
        {"suites=AES_CM_128_HMAC_SHA1_99", "unknown crypto suite 'AES_CM_128_HMAC_SHA1_99'"},
        {"suites=AES_CM_128_HMAC_SHA1_80,,AEAD_AES_128_GCM", "unknown crypto suite ''"},
        {"suites=AEAD_AES_128_GCM,AEAD_AES_128_GCM", "suite listed twice: 'AEAD_AES_128_GCM'"},
        {"suites=aes_cm_128_hmac_sha1_80", "unknown crypto suite 'aes_cm_128_hmac_sha1_80'"},
        {"mki=129", "MKI length must be 0..128 bytes, not '129'"},
        {"mki=-1", "MKI length must be 0..128 bytes, not '-1'"},
        {"mki=", "MKI length must be 0..128 bytes, not ''"},
        {"lifetime=2^49", "lifetime exponent must be 1..48, not '2^49'"},
        {"lifetime=2^0", "lifetime exponent must be 1..48, not '2^0'"},
        {"lifetime=0", "lifetime must be 1..2^48 packets, not '0'"},
        {"lifetime=281474976710657", "lifetime must be 1..2^48 packets, not '281474976710657'"},
        {"lifetime=99999999999999999999999",
         "lifetime must be 1..2^48 packets, not '99999999999999999999999'"},
        {"roc=maybe", "roc must be keep or reset, not 'maybe'"},
        {"encrypt decrypt", "flag given twice: 'decrypt'"},
        {"mki=1 mki=2", "flag given twice: 'mki=2'"},
        {"require policy=strong", "flag given twice: 'policy=strong'"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_MSG(parse(bad[i].in) == -1, "accepted \"%s\"", bad[i].in);
        CHECK_STR_EQ(err, bad[i].reason);
    }
}

static void test_flags_control_chars_and_nul(void)
{
    CHECK_EQ(sdes_call_flags_parse("mode=encrypt\nmki=1", 19, &f, err, sizeof(err)), -1);
    CHECK_STR_EQ(err, "control character in flags at offset 12");
    /* A length that covers an embedded NUL is rejected, not cut short. */
    CHECK_EQ(sdes_call_flags_parse("encrypt\0rekey", 13, &f, err, sizeof(err)), -1);
    CHECK_EQ(sdes_call_flags_parse(NULL, 0, &f, err, sizeof(err)), 0);
    CHECK_EQ(sdes_call_flags_parse(NULL, 3, &f, err, sizeof(err)), -1);
    /* A tiny error buffer is still NUL-terminated. */
    char small[8];
    CHECK_EQ(sdes_call_flags_parse("colour=1", 8, &f, small, sizeof(small)), -1);
    CHECK_EQ(strlen(small), 7);
}

static void test_flags_defaults(void)
{
    sdes_call_flags d;
    CHECK_EQ(sdes_call_flags_parse("encrypt optional suites=AES_CM_128_HMAC_SHA1_80 mki=1", 53, &d,
                                   err, sizeof(err)),
             0);
    CHECK_EQ(parse("decrypt mki=2"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.mode, SDES_CALL_MODE_DECRYPT); /* own value wins */
    CHECK_EQ(f.mki_len, 2);
    CHECK_EQ(f.policy, SDES_CALL_POLICY_OPTIONAL); /* default fills the gap */
    CHECK_EQ(f.n_suites, 1);
    CHECK_EQ(f.suites[0], SG_SUITE_AES_CM_128_HMAC_SHA1_80);
}

static void test_flags_format_truncates(void)
{
    char buf[12];
    CHECK_EQ(parse("mode=passthrough policy=require"), 0);
    size_t n = sdes_call_flags_format(&f, buf, sizeof(buf));
    /* Cut short but terminated, and a prefix of the full text. */
    CHECK_EQ(n, strlen(buf));
    CHECK(n < sizeof(buf) && n >= 8);
    CHECK(strncmp(buf, "mode=passthrough policy=require", n) == 0);
}

static sdes_call_relay_spec r;

static int relay(const char *s)
{
    return sdes_call_relay_spec_parse(s, strlen(s), &r, err, sizeof(err));
}

static void test_relay_good(void)
{
    CHECK_EQ(relay("udp:127.0.0.1:2223"), 0);
    CHECK_EQ(r.proto, SDES_CALL_RELAY_UDP);
    CHECK_EQ(r.weight, 1);
    CHECK_EQ(r.remote, 0);
    CHECK_STR_EQ(r.text, "udp:127.0.0.1:2223");
    const struct sockaddr_in *a4 = (const struct sockaddr_in *)&r.sa;
    CHECK_EQ(ntohs(a4->sin_port), 2223);
    CHECK_EQ(r.salen, sizeof(struct sockaddr_in));

    CHECK_EQ(relay(" udp:[::1]:9=1000 "), 0);
    CHECK_EQ(r.weight, 1000);
    CHECK_EQ(r.remote, 0);
    CHECK_STR_EQ(r.text, "udp:[::1]:9");

    CHECK_EQ(relay("udp:192.0.2.7:65535=3"), 0); /* RFC 5737 documentation address */
    CHECK_EQ(r.remote, 1);
    CHECK_EQ(relay("udp:[2001:db8::1]:5000"), 0); /* RFC 3849 */
    CHECK_EQ(r.remote, 1);

    CHECK_EQ(relay("unix:/run/srtpd/ctl.sock=2"), 0);
    CHECK_EQ(r.proto, SDES_CALL_RELAY_UNIX);
    CHECK_EQ(r.weight, 2);
    CHECK_EQ(r.remote, 0);
    const struct sockaddr_un *un = (const struct sockaddr_un *)&r.sa;
    CHECK_STR_EQ(un->sun_path, "/run/srtpd/ctl.sock");

    /* A standby: never picked for a new call (weight 0), asked for calls. */
    CHECK_EQ(relay("unix:/run/srtpd/b.sock=standby"), 0);
    CHECK_EQ(r.weight, 0);
    CHECK_STR_EQ(r.text, "unix:/run/srtpd/b.sock");
}

static void test_relay_rejections(void)
{
    static const struct {
        const char *in, *reason;
    } bad[] = {
        {"tcp:127.0.0.1:1", "must start with udp: or unix:"},
        {"udp:127.0.0.1", "missing :PORT"},
        {"udp:127.0.0.1:0", "port must be 1..65535"},
        {"udp:127.0.0.1:65536", "port must be 1..65535"},
        {"udp:127.0.0.1:12a", "port must be 1..65535"},
        {"udp:localhost:2223", "not a numeric IPv4 address"},
        {"udp:::1:2223", "not a numeric IPv4 address"},
        {"udp:[::1:2223", "IPv6 form is udp:[ADDR]:PORT"},
        {"udp:[::g]:2223", "not a numeric IPv6 address"},
        {"udp:127.0.0.1:2223=0", "weight must be 1..1000 or standby"},
        {"udp:127.0.0.1:2223=1001", "weight must be 1..1000 or standby"},
        {"udp:127.0.0.1:2223=", "weight must be 1..1000 or standby"},
        {"udp:127.0.0.1:2223=standbyx", "weight must be 1..1000 or standby"},
        {"unix:relative.sock", "unix socket path must be absolute"},
        {"unix:", "must start with udp: or unix:"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CHECK_MSG(relay(bad[i].in) == -1, "accepted \"%s\"", bad[i].in);
        CHECK_MSG(strstr(err, bad[i].reason) != NULL, "\"%s\": got \"%s\", want \"%s\"", bad[i].in,
                  err, bad[i].reason);
    }
    char longpath[200] = "unix:/";
    memset(longpath + 6, 'a', 150);
    longpath[156] = '\0';
    CHECK_EQ(relay(longpath), -1);
    CHECK(strstr(err, "too long") != NULL);
}

/* Offers with RFC 5737 addresses; the key is 30 bytes of base64 text. */
#define SDP_HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
static const char sdp_plain[] = SDP_HEAD "m=audio 4000 RTP/AVP 0\r\n";
static const char sdp_80[] = SDP_HEAD
    "m=audio 4000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";
static const char sdp_32[] = SDP_HEAD
    "m=audio 4000 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n";

static void test_engine_policy_mapping(void)
{
    sdes_policy p;
    CHECK_EQ(
        parse(
            "strong suites=AEAD_AES_256_GCM,AES_CM_128_HMAC_SHA1_80 mki=2 lifetime=2^31 roc=reset"),
        0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.srtp, SDES_SRTP_REQUIRE);
    CHECK_EQ(p.min_tag_bits, 80);
    CHECK_EQ(p.min_key_bits, 128);
    CHECK(p.forbid_unencrypted && p.forbid_unauthenticated);
    CHECK_EQ(p.n_suites, 2);
    CHECK_EQ(p.suites[0], SG_SUITE_AEAD_AES_256_GCM);
    CHECK_EQ(p.gen_mki_len, 2);
    CHECK_EQ(p.gen_lifetime, UINT64_C(1) << 31);
    CHECK_EQ(p.max_lifetime, UINT64_C(1) << 31);
    CHECK_EQ(p.roc, SG_ROC_RESET);
    CHECK_EQ(parse("optional"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.srtp, SDES_SRTP_OPTIONAL);
    /* The engine generates MKIs of 0..4 bytes: a larger one is refused
     * with the engine's reason, at start-up for constant flags. */
    CHECK_EQ(parse("mki=5"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), -1);
    CHECK(err[0] != '\0');
    /* keys=N is the engine's gen-keys: N master keys per a=crypto line we
     * write, so srtpd holds the next send key (sdes.rekey without a
     * re-INVITE). Without the flag the engine keeps one. */
    CHECK_EQ(parse("mki=1 keys=2"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_keys, 2);
    CHECK_EQ(parse("mki=1"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_keys, 1);
    /* Several keys in one line are told apart by MKI only (RFC 4568 6.1). */
    CHECK_EQ(parse("keys=2"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), -1);
    CHECK(strstr(err, "gen-mki") != NULL);
}

static void test_flags_keys(void)
{
    sdes_call_flags d;
    char buf[256];
    CHECK_EQ(parse("keys=4 mki=1"), 0);
    CHECK_EQ(f.keys, 4);
    CHECK(f.set & SDES_CALL_F_KEYS);
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mki=1 keys=4");
    CHECK_EQ(parse("keys=0"), -1);
    CHECK_STR_EQ(err, "keys must be 1..4 per a=crypto line, not '0'");
    CHECK_EQ(parse("keys=5"), -1);
    CHECK_EQ(parse("keys=2 keys=3"), -1);
    CHECK_STR_EQ(err, "flag given twice: 'keys=3'");
    /* A default keys= from default_flags fills a call's flags that lack it. */
    CHECK_EQ(sdes_call_flags_parse("keys=2 mki=1", 12, &d, err, sizeof(err)), 0);
    CHECK_EQ(parse("rekey"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.keys, 2);
    CHECK_EQ(parse("keys=3"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.keys, 3);
}

/* mki-use=peer|always: the engine's gen-mki-use; a default fills a call
 * that lacks it; bad values and repeats are refused. */
static void test_flags_mki_use(void)
{
    sdes_call_flags d;
    sdes_policy p;
    char buf[256];
    CHECK_EQ(parse("mki=1"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_mki_use, SDES_MKI_USE_PEER);
    CHECK_EQ(parse("mki=1 mki-use=always"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK_EQ(p.gen_mki_use, SDES_MKI_USE_ALWAYS);
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mki=1 mki-use=always");
    CHECK_EQ(parse("mki-use=sometimes"), -1);
    CHECK_STR_EQ(err, "mki-use must be peer or always, not 'sometimes'");
    CHECK_EQ(parse("mki-use=peer mki-use=always"), -1);
    CHECK_EQ(sdes_call_flags_parse("mki=1 mki-use=always", 20, &d, err, sizeof(err)), 0);
    CHECK_EQ(parse("mki=1"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.mki_use, SDES_CALL_MKI_USE_ALWAYS);
    CHECK_EQ(parse("mki-use=peer"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.mki_use, SDES_CALL_MKI_USE_PEER);
}

/* nomki=change|keep: the engine's nomki; default and bad values. */
static void test_flags_nomki(void)
{
    sdes_call_flags d;
    sdes_policy p;
    char buf[256];
    CHECK_EQ(parse("mki=1"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK(!p.nomki_keep); /* change: the default */
    CHECK_EQ(parse("mki=1 nomki=keep"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK(p.nomki_keep);
    CHECK(!sdes_policy_rekey_toward(&p, 0)); /* no MKI toward it: key kept */
    CHECK(sdes_policy_rekey_toward(&p, 1));  /* an MKI peer is rekeyed */
    sdes_call_flags_format(&f, buf, sizeof(buf));
    CHECK_STR_EQ(buf, "mki=1 nomki=keep");
    CHECK_EQ(parse("nomki=change"), 0);
    CHECK_EQ(sdes_call_engine_policy(&f, &p, err, sizeof(err)), 0);
    CHECK(!p.nomki_keep);
    CHECK_EQ(parse("nomki=sometimes"), -1);
    CHECK_STR_EQ(err, "nomki must be change or keep, not 'sometimes'");
    CHECK_EQ(parse("nomki=keep nomki=change"), -1);
    CHECK_EQ(sdes_call_flags_parse("nomki=keep", 10, &d, err, sizeof(err)), 0);
    CHECK_EQ(parse("mki=1"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.nomki, SDES_CALL_NOMKI_KEEP);
    CHECK_EQ(parse("nomki=change"), 0);
    sdes_call_flags_apply_defaults(&f, &d);
    CHECK_EQ(f.nomki, SDES_CALL_NOMKI_CHANGE);
}

static void test_engine_check(void)
{
    char reason[SDES_REASON_LEN], suite[48];
    CHECK_EQ(parse("require"), 0);
    CHECK_EQ(sdes_call_engine_check(&f, sdp_plain, strlen(sdp_plain), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_SRTP_REQUIRED);
    CHECK_EQ(sdes_call_engine_rc(SDES_REJ_SRTP_REQUIRED), -2);
    CHECK(strncmp(reason, "SRTP_REQUIRED", 13) == 0);
    CHECK_STR_EQ(suite, "");

    CHECK_EQ(sdes_call_engine_check(&f, sdp_80, strlen(sdp_80), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_OK);
    CHECK_STR_EQ(reason, "");
    CHECK_STR_EQ(suite, "AES_CM_128_HMAC_SHA1_80");

    CHECK_EQ(parse("strong suites=AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80"), 0);
    CHECK_EQ(sdes_call_engine_check(&f, sdp_32, strlen(sdp_32), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_NO_ACCEPTABLE_CRYPTO);
    CHECK(strstr(reason, "min-tag") != NULL);

    CHECK_EQ(parse("optional"), 0);
    CHECK_EQ(sdes_call_engine_check(&f, sdp_plain, strlen(sdp_plain), reason, sizeof(reason), suite,
                                    sizeof(suite)),
             SDES_REJ_OK);
    CHECK_STR_EQ(suite, "");

    static const char junk[] = "this is not SDP\r\n";
    sdes_rej code = sdes_call_engine_check(&f, junk, strlen(junk), reason, sizeof(reason), suite,
                                           sizeof(suite));
    CHECK_EQ(sdes_call_engine_rc(code), -4);
    CHECK(reason[0] != '\0');
    CHECK_EQ(sdes_call_engine_check(NULL, junk, 1, reason, sizeof(reason), suite, sizeof(suite)),
             SDES_REJ_BAD_PARAM);
}

/* srtpd's reply to "delete" (docs/protocol.md), bencoded: an SRTP leg with
 * two MKIs received and drops, a plain leg. */
static const char delete_reply[] =
    "d7:call-id2:c16:result2:ok7:streamsld1:ad5:dropsd4:authi2e6:replayi0e11:unknown-mkii1ee4:"
    "recvd4:keysld11:fingerprint8:276fadfc3:mkii1e7:mki-leni1eed11:fingerprint8:0badf00d3:mkii2e7:"
    "mki-leni1eee5:suite23:AES_CM_128_HMAC_SHA1_80e6:rtp-ini150e7:rtp-outi148e4:sendd4:keysld11:"
    "fingerprint8:111111113:mkii0e7:mki-leni0eee5:suite16:AEAD_AES_256_GCMe9:transport4:SRTPe1:bd5:"
    "dropsd4:authi0ee6:rtp-ini148e7:rtp-outi147e9:transport3:RTPe5:indexi0eeee";

static void test_audit_line(void)
{
    static ctl_be_doc doc;
    char line[512];
    const ctl_be *root = ctl_be_decode(&doc, delete_reply, strlen(delete_reply));
    CHECK(root != NULL);
    CHECK_EQ(sdes_call_audit_format(&doc, root, line, sizeof(line)), 1);
    CHECK_STR_EQ(line, "m=0 a:SRTP recv=AES_CM_128_HMAC_SHA1_80/mki1,2 send=AEAD_AES_256_GCM "
                       "in=150 out=148 drops=auth:2,unknown-mki:1 b:RTP in=148 out=147 drops=0");
    /* Cut short but terminated; no fingerprint or key text ever copied. */
    char small[20];
    sdes_call_audit_format(&doc, root, small, sizeof(small));
    CHECK_EQ(strlen(small), sizeof(small) - 1);
    CHECK(strstr(line, "276fadfc") == NULL);
    /* No streams. */
    static const char empty[] = "d6:result2:oke";
    root = ctl_be_decode(&doc, empty, strlen(empty));
    CHECK(root != NULL);
    CHECK_EQ(sdes_call_audit_format(&doc, root, line, sizeof(line)), 0);
    CHECK_STR_EQ(line, "no streams");
}

int main(void)
{
    RUN(test_flags_full);
    RUN(test_flags_bare_words_and_separators);
    RUN(test_flags_rejections);
    RUN(test_flags_control_chars_and_nul);
    RUN(test_flags_defaults);
    RUN(test_flags_keys);
    RUN(test_flags_mki_use);
    RUN(test_flags_nomki);
    RUN(test_flags_format_truncates);
    RUN(test_relay_good);
    RUN(test_relay_rejections);
    RUN(test_engine_policy_mapping);
    RUN(test_engine_check);
    RUN(test_audit_line);
    return check_summary("kam_flags");
}

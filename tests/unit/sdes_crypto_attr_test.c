/*
 * tests/unit/sdes_crypto_attr_test.c — the a=crypto codec (rtp/crypto_attr/crypto_attr.c)
 * against RFC 4568 §9.2: the RFC's own examples, real-world device styles,
 * every rejection reason, and parse/format round trips.
 */
#include "crypto_attr/crypto_attr.h"
#include "tests/check.h"

#include <stdlib.h>

/* RFC 4568 §4 example key: 30 bytes (AES_CM_128 key||salt). */
#define RFC_KEY "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

static sdes_ca_status parse(const char *s, sdes_crypto_attr *a)
{
    return sdes_crypto_attr_parse(s, strlen(s), 0, a);
}

/* RFC 4568 §4: a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:...|2^20|1:4 */
static void test_rfc4568_example(void)
{
    sdes_crypto_attr a;
    CHECK_EQ(parse("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|1:4", &a),
             SDES_CA_OK);
    CHECK_EQ(a.tag, 1);
    CHECK(a.suite && a.suite->id == SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    CHECK_EQ(a.n_keys, 1);
    uint8_t want[30];
    CHECK_EQ(check_unhex("3d2d6e40255e7821426a7566723929"
                         "3f2c2335685c603d265d7b71695051",
                         want, 30),
             30);
    CHECK_MEM_EQ(a.keys[0].key_salt, want, 30);
    CHECK_EQ(a.keys[0].lifetime, 1 << 20);
    CHECK_EQ(a.keys[0].mki_len, 4);
    CHECK_MEM_EQ(a.keys[0].mki, "\0\0\0\1", 4);
    char buf[512];
    size_t n;
    CHECK_EQ(sdes_crypto_attr_format(&a, SDES_CA_FMT_PREFIX, buf, sizeof buf, &n), SDES_CA_OK);
    CHECK_STR_EQ(buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|1:4");
    CHECK_EQ(n, strlen(buf));
    sdes_crypto_attr_wipe(&a);
}

/* RFC 4568 §6.1 / §9.2: several keys, FEC_ORDER, KDR, WSH, all flags. */
static void test_session_params(void)
{
    sdes_crypto_attr a;
    const char *in =
        "2 F8_128_HMAC_SHA1_80 inline:MTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5QUJjZGVm|2^20|1:4;"
        "inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4 "
        "KDR=23 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP UNAUTHENTICATED_SRTP "
        "FEC_ORDER=FEC_SRTP FEC_KEY=inline:" RFC_KEY " WSH=128";
    CHECK_EQ(parse(in, &a), SDES_CA_OK);
    CHECK_EQ(a.tag, 2);
    CHECK_EQ(a.n_keys, 2);
    CHECK_EQ(a.keys[1].mki[3], 2);
    CHECK(a.has_kdr);
    CHECK_EQ(a.kdr, 23);
    CHECK(a.unencrypted_srtp && a.unencrypted_srtcp && a.unauthenticated_srtp);
    CHECK_EQ(a.fec_order, SDES_FEC_FEC_SRTP);
    CHECK_EQ(a.n_fec_keys, 1);
    CHECK_EQ(a.wsh, 128);
    char buf[1024];
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_OK);
    CHECK_STR_EQ(buf, in);
    sdes_crypto_attr_wipe(&a);
}

/* Real devices: rtpengine sends unpadded base64; output is padded. Teams
 * sends |2^31|1:1. Lower-case "inline" and suite names are ABNF-equal. */
static void test_device_styles(void)
{
    sdes_crypto_attr a;
    char buf[512];
    /* 46 bytes: unpadded 62 chars, padded 64. */
    const char *unpadded = "1 AES_256_CM_HMAC_SHA1_80 inline:"
                           "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY3ODkwQUJDREVGR0hJSg";
    CHECK_EQ(parse(unpadded, &a), SDES_CA_OK);
    CHECK_EQ(a.keys[0].key_salt_len, 46);
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_OK);
    CHECK_STR_EQ(buf, "1 AES_256_CM_HMAC_SHA1_80 inline:"
                      "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY3ODkwQUJDREVGR0hJSg==");
    CHECK_EQ(parse(buf, &a), SDES_CA_OK); /* padded form parses too */
    CHECK_EQ(parse("a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^31|1:1", &a),
             SDES_CA_OK);
    CHECK_EQ(a.keys[0].lifetime, UINT64_C(1) << 31);
    CHECK_EQ(a.keys[0].mki_len, 1);
    CHECK_EQ(a.keys[0].mki[0], 1);
    CHECK_EQ(parse("3 aes_cm_128_hmac_sha1_32 INLINE:" RFC_KEY "\r\n", &a), SDES_CA_OK);
    CHECK(a.suite && a.suite->id == SG_SUITE_AES_CM_128_HMAC_SHA1_32);
    CHECK_STR_EQ(a.suite_name, "AES_CM_128_HMAC_SHA1_32");
    /* GCM: 28 and 44 bytes. */
    CHECK_EQ(parse("4 AEAD_AES_128_GCM inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA", &a),
             SDES_CA_OK);
    CHECK_EQ(parse("5 AEAD_AES_256_GCM "
                   "inline:MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ=",
                   &a),
             SDES_CA_OK);
    /* Decimal lifetime, tabs and several blanks between fields. */
    CHECK_EQ(parse("6\tAES_CM_128_HMAC_SHA1_80   inline:" RFC_KEY "|1048576  ", &a), SDES_CA_OK);
    CHECK_EQ(a.keys[0].lifetime, 1048576);
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_OK);
    CHECK_STR_EQ(buf, "6 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1048576");
    /* Tag optional (srtp-pcap --crypto). */
    CHECK_EQ(sdes_crypto_attr_parse("AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, 71,
                                    SDES_CA_PARSE_TAG_OPTIONAL, &a),
             SDES_CA_OK);
    CHECK(!a.has_tag);
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_OK);
    CHECK_STR_EQ(buf, "AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY);
    sdes_crypto_attr_wipe(&a);
}

/* MKI: length 1..128; the value must fit; 128-byte MKIs round-trip. */
static void test_mki(void)
{
    sdes_crypto_attr a;
    char buf[1024];
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|255:1", &a), SDES_CA_OK);
    CHECK_EQ(a.keys[0].mki[0], 255);
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|256:1", &a), SDES_CA_MKI_VALUE);
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|65536:2", &a), SDES_CA_MKI_VALUE);
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|65535:2", &a), SDES_CA_OK);
    CHECK_EQ(a.keys[0].mki[0], 255);
    CHECK_EQ(a.keys[0].mki[1], 255);
    /* 2^64 = 18446744073709551616 needs 9 bytes. */
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|18446744073709551616:8", &a),
             SDES_CA_MKI_VALUE);
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|18446744073709551616:128", &a),
             SDES_CA_OK);
    CHECK_EQ(a.keys[0].mki_len, 128);
    CHECK_EQ(a.keys[0].mki[119], 1);
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_OK);
    CHECK_STR_EQ(buf, "1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|18446744073709551616:128");
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|0:1", &a), SDES_CA_OK);
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_OK);
    CHECK_STR_EQ(buf, "1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|0:1");
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:129", &a), SDES_CA_MKI_LENGTH);
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:0", &a), SDES_CA_MKI_LENGTH);
    sdes_crypto_attr_wipe(&a);
}

/* Every rejection reason, one line each (RFC 4568 §9.2 and §6). */
static const struct {
    const char *in;
    sdes_ca_status want;
} reject_cases[] = {
    {"", SDES_CA_EMPTY},
    {"a=crypto:", SDES_CA_EMPTY},
    {"1234567890 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, SDES_CA_BAD_TAG},
    {"x1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY, SDES_CA_BAD_TAG},
    {"1", SDES_CA_NO_SUITE},
    {"1 AES-CM inline:" RFC_KEY, SDES_CA_BAD_SUITE},
    {"1 NULL_HMAC_SHA1_80 inline:" RFC_KEY, SDES_CA_UNKNOWN_SUITE},
    {"1 AES_CM_128_HMAC_SHA1_80", SDES_CA_NO_KEY_PARAMS},
    {"1 AES_CM_128_HMAC_SHA1_80 uri:http://x", SDES_CA_BAD_KEY_METHOD},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY ";", SDES_CA_BAD_KEY_METHOD},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkp#ywjNWhcYD0mXXtxaVBR",
     SDES_CA_BAD_BASE64},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxa", SDES_CA_BAD_BASE64},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVB",
     SDES_CA_KEY_LENGTH},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1=QCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR",
     SDES_CA_BAD_BASE64},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:", SDES_CA_BAD_BASE64},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtx", SDES_CA_KEY_LENGTH},
    {"1 AES_256_CM_HMAC_SHA1_80 inline:" RFC_KEY, SDES_CA_KEY_LENGTH},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^x", SDES_CA_BAD_LIFETIME},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|", SDES_CA_BAD_LIFETIME},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|0", SDES_CA_LIFETIME_ZERO},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^49", SDES_CA_LIFETIME_MAX},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|281474976710657", SDES_CA_LIFETIME_MAX},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|99999999999999999999999", SDES_CA_LIFETIME_MAX},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|x:1", SDES_CA_BAD_MKI},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:", SDES_CA_BAD_MKI},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:200", SDES_CA_MKI_LENGTH},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:0004", SDES_CA_MKI_LENGTH},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|300:1", SDES_CA_MKI_VALUE},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:1;inline:" RFC_KEY, SDES_CA_MKI_MISSING},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|1:1;inline:" RFC_KEY "|2:2",
     SDES_CA_MKI_LEN_MISMATCH},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|7:2;inline:" RFC_KEY "|7:2",
     SDES_CA_DUPLICATE_MKI},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=25", SDES_CA_BAD_KDR},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=0", SDES_CA_BAD_KDR},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=05", SDES_CA_BAD_KDR},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=", SDES_CA_BAD_KDR},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=100", SDES_CA_BAD_KDR},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " FEC_ORDER=BOTH", SDES_CA_BAD_FEC_ORDER},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " FEC_KEY=inline:abc", SDES_CA_BAD_FEC_KEY},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " WSH=63", SDES_CA_BAD_WSH},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " WSH=9", SDES_CA_BAD_WSH},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " KDR=1 KDR=2", SDES_CA_DUPLICATE_PARAM},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " UNENCRYPTED_SRTP UNENCRYPTED_SRTP",
     SDES_CA_DUPLICATE_PARAM},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " FOO=1", SDES_CA_UNKNOWN_PARAM},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|1:1|junk", SDES_CA_TRAILING},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|2^20", SDES_CA_TRAILING},
    {"1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "\x01", SDES_CA_BAD_CHAR},
};

static void test_rejections(void)
{
    sdes_crypto_attr a;
    for (size_t i = 0; i < sizeof reject_cases / sizeof reject_cases[0]; i++) {
        sdes_ca_status st = parse(reject_cases[i].in, &a);
        CHECK_MSG(st == reject_cases[i].want, "case %zu \"%s\": got %s (%s), want %s", i,
                  reject_cases[i].in, sdes_ca_status_name(st), sdes_ca_status_str(st),
                  sdes_ca_status_name(reject_cases[i].want));
        if (!sdes_ca_status_soft(st)) {
            /* A hard error leaves no key bytes behind. */
            static const sdes_crypto_attr zero;
            CHECK_MSG(memcmp(&a, &zero, sizeof a) == 0, "case %zu: output not wiped", i);
        }
    }
    /* Every status has its own reason text. */
    for (int i = 0; i <= SDES_CA_BUFFER_SMALL; i++)
        for (int j = 0; j < i; j++)
            CHECK(strcmp(sdes_ca_status_str(i), sdes_ca_status_str(j)) != 0);
    CHECK_STR_EQ(sdes_ca_status_str(999), "unknown status");
    /* Too many keys and too long. */
    char big[5000];
    strcpy(big, "1 AES_CM_128_HMAC_SHA1_80 ");
    for (int i = 0; i < 17; i++) {
        char k[80];
        snprintf(k, sizeof k, "%sinline:" RFC_KEY "|%d:1", i ? ";" : "", i + 1);
        strcat(big, k);
    }
    CHECK_EQ(parse(big, &a), SDES_CA_TOO_MANY_KEYS);
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_EQ(parse(big, &a), SDES_CA_TOO_LONG);
    CHECK_EQ(sdes_crypto_attr_parse(NULL, 0, 0, &a), SDES_CA_BAD_PARAM);
}

/* Soft statuses keep what an engine needs to explain the skip. */
static void test_soft(void)
{
    sdes_crypto_attr a;
    CHECK_EQ(parse("7 NULL_HMAC_SHA1_32 inline:" RFC_KEY, &a), SDES_CA_UNKNOWN_SUITE);
    CHECK(sdes_ca_status_soft(SDES_CA_UNKNOWN_SUITE));
    CHECK_EQ(a.tag, 7);
    CHECK(a.suite == NULL);
    CHECK_STR_EQ(a.suite_name, "NULL_HMAC_SHA1_32");
    CHECK_EQ(a.n_keys, 0);
    CHECK_EQ(parse("8 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " -FOO X-BAR=2", &a),
             SDES_CA_UNKNOWN_PARAM);
    CHECK_EQ(a.n_unknown, 2);
    CHECK_STR_EQ(a.unknown[0], "-FOO");
    CHECK_STR_EQ(a.unknown[1], "X-BAR");
    CHECK_EQ(a.n_keys, 1);
    char buf[256];
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_BAD_PARAM);
    /* A hard error after an unknown parameter wins. */
    CHECK_EQ(parse("8 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY " FOO KDR=99", &a), SDES_CA_BAD_KDR);
    sdes_crypto_attr_wipe(&a);
}

/* Masking hides every key character; small buffers fail cleanly. */
static void test_format_mask_and_small(void)
{
    sdes_crypto_attr a;
    char buf[256];
    CHECK_EQ(parse("1 AES_CM_128_HMAC_SHA1_80 inline:" RFC_KEY "|2^20|1:4", &a), SDES_CA_OK);
    CHECK_EQ(sdes_crypto_attr_format(&a, SDES_CA_FMT_PREFIX | SDES_CA_FMT_MASK_KEYS, buf,
                                     sizeof buf, NULL),
             SDES_CA_OK);
    CHECK_STR_EQ(buf, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
                      "****************************************|2^20|1:4");
    for (size_t cap = 1; cap < 70; cap++) {
        CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, cap, NULL), SDES_CA_BUFFER_SMALL);
        CHECK_EQ(buf[0], '\0');
    }
    a.keys[0].key_salt_len = 29;
    CHECK_EQ(sdes_crypto_attr_format(&a, 0, buf, sizeof buf, NULL), SDES_CA_BAD_PARAM);
    sdes_crypto_attr_wipe(&a);
}

/* Random well-formed attributes survive parse -> format -> parse. */
static void test_roundtrip_random(void)
{
    srand(4568);
    for (int iter = 0; iter < 2000; iter++) {
        sdes_crypto_attr a, b;
        memset(&a, 0, sizeof a);
        a.tag = (uint32_t)rand() % SDES_CA_TAG_MAX + 1;
        a.has_tag = true;
        a.suite = sg_suite_get((sg_suite_id)(rand() % SG_SUITE_COUNT));
        a.n_keys = (uint8_t)(rand() % 4 + 1);
        uint8_t mlen = (uint8_t)(rand() % 4 + 1);
        for (int k = 0; k < a.n_keys; k++) {
            sdes_key_param *kp = &a.keys[k];
            kp->key_salt_len = (uint8_t)(a.suite->key_len + a.suite->salt_len);
            for (int i = 0; i < kp->key_salt_len; i++)
                kp->key_salt[i] = (uint8_t)rand();
            if (a.n_keys > 1 || rand() % 2) {
                kp->mki_len = mlen;
                kp->mki[mlen - 1] = (uint8_t)k;
                kp->mki[0] ^= (uint8_t)(rand() % 2 ? 0x80 : 0);
                if (mlen == 1)
                    kp->mki[0] = (uint8_t)k;
            }
            if (rand() % 2) {
                kp->lifetime_exp = (uint8_t)(rand() % 48 + 1);
                kp->lifetime = UINT64_C(1) << kp->lifetime_exp;
            } else if (rand() % 2) {
                kp->lifetime = (uint64_t)rand() + 1;
            }
        }
        a.has_kdr = rand() % 2;
        a.kdr = (uint8_t)(rand() % 24 + 1); /* RFC 4568 §6.3.1: 1..24 */
        a.unencrypted_srtcp = rand() % 2;
        a.wsh = rand() % 2 ? 64 + (uint32_t)rand() % 1000 : 0;
        char buf[1024];
        CHECK_EQ(sdes_crypto_attr_format(&a, SDES_CA_FMT_PREFIX, buf, sizeof buf, NULL),
                 SDES_CA_OK);
        sdes_ca_status st = parse(buf, &b);
        CHECK_MSG(st == SDES_CA_OK, "iter %d: %s: %s", iter, buf, sdes_ca_status_name(st));
        CHECK_EQ(b.tag, a.tag);
        CHECK(b.suite == a.suite);
        CHECK_EQ(b.n_keys, a.n_keys);
        for (int k = 0; k < a.n_keys; k++) {
            CHECK_MEM_EQ(b.keys[k].key_salt, a.keys[k].key_salt, a.keys[k].key_salt_len);
            CHECK_EQ(b.keys[k].lifetime, a.keys[k].lifetime);
            CHECK_EQ(b.keys[k].mki_len, a.keys[k].mki_len);
            CHECK_MEM_EQ(b.keys[k].mki, a.keys[k].mki, a.keys[k].mki_len);
        }
        CHECK_EQ(b.has_kdr, a.has_kdr);
        CHECK_EQ(b.unencrypted_srtcp, a.unencrypted_srtcp);
        CHECK_EQ(b.wsh, a.wsh);
        sdes_crypto_attr_wipe(&a);
        sdes_crypto_attr_wipe(&b);
    }
}

/* RFC 4648 §10 test vectors. */
static void test_base64(void)
{
    static const char *vec[][2] = {{"f", "Zg=="},         {"fo", "Zm8="},
                                   {"foo", "Zm9v"},       {"foob", "Zm9vYg=="},
                                   {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
    for (size_t i = 0; i < 6; i++) {
        char out[16];
        uint8_t dec[16];
        size_t n;
        sdes_base64_encode((const uint8_t *)vec[i][0], strlen(vec[i][0]), out);
        CHECK_STR_EQ(out, vec[i][1]);
        CHECK(sdes_base64_decode(vec[i][1], strlen(vec[i][1]), dec, sizeof dec, &n));
        CHECK_EQ(n, strlen(vec[i][0]));
        CHECK_MEM_EQ(dec, vec[i][0], n);
        /* Without padding too. */
        size_t l = strlen(vec[i][1]);
        while (vec[i][1][l - 1] == '=')
            l--;
        CHECK(sdes_base64_decode(vec[i][1], l, dec, sizeof dec, &n));
        CHECK_EQ(n, strlen(vec[i][0]));
    }
    uint8_t d[4];
    size_t n;
    CHECK(!sdes_base64_decode("Zg=", 3, d, 4, &n));
    CHECK(!sdes_base64_decode("Z", 1, d, 4, &n));
    CHECK(!sdes_base64_decode("Zm9vYmFy", 8, d, 4, &n));
}

int main(void)
{
    RUN(test_rfc4568_example);
    RUN(test_session_params);
    RUN(test_device_styles);
    RUN(test_mki);
    RUN(test_rejections);
    RUN(test_soft);
    RUN(test_format_mask_and_small);
    RUN(test_roundtrip_random);
    RUN(test_base64);
    return check_summary("sdes_crypto_attr");
}

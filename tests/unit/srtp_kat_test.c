/*
 * tests/unit/srtp_kat_test.c — known answers for the SRTP library's building
 * blocks and packet transforms, table-driven, each table citing the RFC
 * section its vectors come from: RFC 3711 Appendix B (f8, AES-CM keystream,
 * key derivation), RFC 6188 §7 (AES-192/256 keystream and key derivation),
 * RFC 7714 §16-§17 (AES-GCM SRTP and SRTCP packets), and the NIST ACVP
 * SRTP-KDF cases with a key derivation rate (as carried in OpenSSL's
 * evpkdf_srtp.txt) for r = index DIV kdr, and libsrtp's srtp_validate()
 * whole packets (from a master key, with the HMAC-SHA1 tag).
 */
#include "srtp/sg_internal.h"
#include "tests/check.h"

/* ---- Key derivation (RFC 3711 §4.3). */
struct kdf_case {
    const char *key, *salt;
    unsigned kdr_exp; /* key_derivation_rate = 2^kdr_exp; 0 = no rate */
    uint64_t index;
    unsigned label;
    const char *out;
};

/* RFC 3711 Appendix B.3: cipher key, cipher salt, and the full 94-byte auth
 * key (we use its first 20 bytes; the rest checks the PRF's counter). */
static const struct kdf_case kdf_b3[] = {
    {"E1F97A0D3E018BE0D64FA32C06DE4139", "0EC675AD498AFEEBB6960B3AABE6", 0, 0, 0,
     "C61E7A93744F39EE10734AFE3FF7A087"},
    {"E1F97A0D3E018BE0D64FA32C06DE4139", "0EC675AD498AFEEBB6960B3AABE6", 0, 0, 2,
     "30CBBC08863D8C85D49DB34A9AE1"},
    {"E1F97A0D3E018BE0D64FA32C06DE4139", "0EC675AD498AFEEBB6960B3AABE6", 0, 0, 1,
     "CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
     "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"},
};

/* RFC 6188 §7.2 (AES-256) and §7.4 (AES-192) key derivation, kdr 0. */
static const struct kdf_case kdf_6188[] = {
    {"f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
     "3b04803de51ee7c96423ab5b78d2", 0, 0, 0,
     "5ba1064e30ec51613cad926c5a28ef731ec7fb397f70a960653caf06554cd8c4"},
    {"f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
     "3b04803de51ee7c96423ab5b78d2", 0, 0, 2, "fa31791685ca444a9e07c6c64e93"},
    {"f0f04914b513f2763a1b1fa130f10e2998f6f6e43e4309d1e622a0e332b9f1b6",
     "3b04803de51ee7c96423ab5b78d2", 0, 0, 1, "fd9c32d39ed5fbb5a9dc96b30818454d1313dc05"},
    {"73edc66c4fa15776fb57f9505c17136550ffda71f3e8e5f1", "c8522f3acd4ce86d5add78edbb11", 0, 0, 0,
     "31874736a8f1143870c26e4857d8a5b2c4a354407faadabb"},
    {"73edc66c4fa15776fb57f9505c17136550ffda71f3e8e5f1", "c8522f3acd4ce86d5add78edbb11", 0, 0, 2,
     "2372b82d639b6d8503a47adc0a6c"},
    {"73edc66c4fa15776fb57f9505c17136550ffda71f3e8e5f1", "c8522f3acd4ce86d5add78edbb11", 0, 0, 1,
     "355b10973cd95b9eacf4061c7e1a7151e7cfbfcb"},
};

/* NIST ACVP kdf-components-srtp-1.0 (tcId 21, 31, 51), as in OpenSSL's
 * test/recipes/30-test_evp_data/evpkdf_srtp.txt, whose "kdr" is the rate
 * itself: 1, 2 and 8 are exponents 0, 1 and 3 here (r = index >> exp).
 * Only the SRTP labels: ACVP's SRTCP cases use RFC 3711 §4.3.2 as first
 * published (a 32-bit r, label at byte 9), which erratum 3712 replaced by
 * the 48-bit r that libsrtp and we use (labels 3-5 are pinned by the
 * libsrtp cross-check in srtp_xcheck and srtp_validate's SRTCP packet). */
struct kdr_case {
    const char *key, *salt;
    int rate_exp; /* r = index >> rate_exp */
    uint64_t index;
    unsigned label;
    const char *out;
};
static const struct kdr_case kdf_acvp[] = {
    {"8C307F105F79D5D2C26B1A933AE22CD5", "563B4C15458D977B68080242CEE1", 0, 0x08284B49F520, 0,
     "A920DF50EAA111D03FBE9B203121C07D"},
    {"8C307F105F79D5D2C26B1A933AE22CD5", "563B4C15458D977B68080242CEE1", 0, 0x08284B49F520, 1,
     "A337DC070C0DAFA942F1E3A27ACD3C9917CE4B4D"},
    {"8C307F105F79D5D2C26B1A933AE22CD5", "563B4C15458D977B68080242CEE1", 0, 0x08284B49F520, 2,
     "9E2BC99C86037F2AD98D72927428"},
    {"127A535F66D5D43135E5DB87F04AF2DB", "82D0D04DC693E29E0FE7FECBF041", 1, 0x3D6FECDCE1BE, 0,
     "A2F4D858CCDF585D9C5CA787C5A3031F"},
    {"127A535F66D5D43135E5DB87F04AF2DB", "82D0D04DC693E29E0FE7FECBF041", 1, 0x3D6FECDCE1BE, 1,
     "C140C97CAC05B2ED338AD353014A90012F37B45C"},
    {"127A535F66D5D43135E5DB87F04AF2DB", "82D0D04DC693E29E0FE7FECBF041", 1, 0x3D6FECDCE1BE, 2,
     "AA6DE94B3BCB5108EFD350AD6936"},
    {"CF08F8159FCF18DA8108A3FE3B707C2B", "4AF8352708E0A164C6645A63E5BB", 3, 0xF4EE616415B9, 0,
     "B46322B06F6E4B189F27744EAD8C5173"},
    {"CF08F8159FCF18DA8108A3FE3B707C2B", "4AF8352708E0A164C6645A63E5BB", 3, 0xF4EE616415B9, 1,
     "F9F246054B3D4AA2520CE2612192749AA6970BB0"},
    {"CF08F8159FCF18DA8108A3FE3B707C2B", "4AF8352708E0A164C6645A63E5BB", 3, 0xF4EE616415B9, 2,
     "18EA8EA36A90617224FBFBCB849A"},
};

static void run_kdf(const char *key, const char *salt, uint64_t r, unsigned label,
                    const char *want_hex)
{
    uint8_t k[32], s[14], want[64], got[64];
    size_t kl = check_unhex(key, k, sizeof k), sl = check_unhex(salt, s, sizeof s);
    size_t wl = check_unhex(want_hex, want, sizeof want);
    EVP_CIPHER_CTX *prf = sg_kdf_prf_new(k, kl);
    CHECK(prf != NULL);
    bool ok = sg_kdf(prf, s, sl, label, r, got, wl);
    EVP_CIPHER_CTX_free(prf);
    CHECK(ok);
    CHECK_MEM_EQ(got, want, wl);
}

static void test_kdf_rfc3711_b3(void)
{
    for (size_t i = 0; i < sizeof kdf_b3 / sizeof kdf_b3[0]; i++) {
        const struct kdf_case *c = &kdf_b3[i];
        run_kdf(c->key, c->salt, 0, c->label, c->out);
        if (check_cur_failed_)
            return;
    }
}

static void test_kdf_rfc6188_7_2_7_4(void)
{
    for (size_t i = 0; i < sizeof kdf_6188 / sizeof kdf_6188[0]; i++) {
        const struct kdf_case *c = &kdf_6188[i];
        run_kdf(c->key, c->salt, 0, c->label, c->out);
        if (check_cur_failed_)
            return;
    }
}

static void test_kdf_acvp_kdr(void)
{
    for (size_t i = 0; i < sizeof kdf_acvp / sizeof kdf_acvp[0]; i++) {
        const struct kdr_case *c = &kdf_acvp[i];
        run_kdf(c->key, c->salt, c->index >> c->rate_exp, c->label, c->out);
        if (check_cur_failed_) {
            fprintf(stderr, "    ACVP case %zu\n", i);
            return;
        }
    }
}

/* ---- RFC 3711 Appendix B.2 (AES-128) and RFC 6188 §7.1 (AES-256), §7.3
 * (AES-192): AES-CM keystream of 65282 blocks for SSRC 0, index 0, salt
 * F0F1..FCFD: first and last three blocks. */
struct ks_case {
    const char *key, *first, *last;
};
static const struct ks_case keystreams[] = {
    {"2B7E151628AED2A6ABF7158809CF4F3C",
     "E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB41E95B3BB0A2E8DD477901E4FCA89"
     "4C0",
     "EC8CDF7398607CB0F2D21675EA9EA1E4362B7C3C6773516318A077D7FC5073AE6A2CC3787889374FBEB4C81B17BA6"
     "C44"},
    {"57f82fe3613fd170a85ec93c40b1f0922ec4cb0dc025b58272147cc438944a98",
     "92bdd28a93c3f52511c677d08b5515a49da71b2378a854f67050756ded165bac63c4868b7096d88421b563b8c94c9"
     "a31",
     "cea518c90fd91ced9cbb18c078a547113dbc4814f4da5f00a08772b63c6a046d6eb246913062a16891433e97dd01a"
     "57f"},
    {"eab234764e517b2d3d160d587d8c86219740f65f99b6bcf7",
     "35096cba4610028dc1b57503804ce37c5de986291dcce161d5165ec4568f5c9a474a40c77894bc17180202272a4c2"
     "64d",
     "d108d1a31a00bad6367ec23eb044b415c8f57129fdeb970b59f917b257662d4ca5dab625811034e8cebdfeb6dc158"
     "dd3"},
};

static void test_cm_keystream_b2_6188(void)
{
    static uint8_t buf[65282 * 16];
    const size_t n = sizeof buf;
    for (size_t i = 0; i < sizeof keystreams / sizeof keystreams[0]; i++) {
        uint8_t key[32], salt[14], want[48], iv[16];
        size_t kl = check_unhex(keystreams[i].key, key, sizeof key);
        check_unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", salt, sizeof salt);
        EVP_CIPHER_CTX *ecb = sg_kdf_prf_new(key, kl); /* AES-ECB with this key */
        memset(buf, 0, n);
        sg_cm_iv(iv, salt, 0, 0);
        bool ok = sg_cm_xor(ecb, iv, buf, buf, n);
        EVP_CIPHER_CTX_free(ecb);
        CHECK(ok);
        check_unhex(keystreams[i].first, want, sizeof want);
        CHECK_MEM_EQ(buf, want, 48);
        check_unhex(keystreams[i].last, want, sizeof want);
        CHECK_MEM_EQ(buf + n - 48, want, 48);
    }
}

/* The IV layout of RFC 3711 §4.1.1: SSRC at bit 64, index at bit 16. */
static void test_cm_iv_layout(void)
{
    uint8_t salt[14], iv[16], want[16];
    check_unhex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD", salt, sizeof salt);
    sg_cm_iv(iv, salt, 0x12345678, 0x9abcdef00203ULL);
    check_unhex("F0F1F2F3E6C1A08F6245240BFEFE0000", want, sizeof want);
    CHECK_MEM_EQ(iv, want, 16);
}

/* ---- RFC 3711 Appendix B.1: AES-f8. Key, 4-byte salt key (m = salt ||
 * 0x55...), IV = 0x00 || M PT SEQ TS SSRC || ROC, 39-byte payload. */
static void test_f8_rfc3711_b1(void)
{
    uint8_t k_e[16], k_s[4], iv[16], pt[39], want[39], km[16], want_km[16];
    check_unhex("234829008467be186c3de14aae72d62c", k_e, sizeof k_e);
    check_unhex("32f2870d", k_s, sizeof k_s);
    check_unhex("006e5cba50681de55c621599d462564a", iv, sizeof iv);
    check_unhex("70736575646f72616e646f6d6e65737320697320746865206e6578742062657374207468696e67",
                pt, sizeof pt);
    check_unhex("019ce7a26e7854014a6366aa95d4eefd1ad4172a14f9faf455b7f1d4b62bd08f562c0eef7c4802",
                want, sizeof want);
    sg_f8_mask_key(km, k_e, 16, k_s, 4);
    check_unhex("11baae0dd132eb4d3968b41ffb278379", want_km, sizeof want_km);
    CHECK_MEM_EQ(km, want_km, 16);
    EVP_CIPHER_CTX *ecb = sg_kdf_prf_new(k_e, 16), *ecb_m = sg_kdf_prf_new(km, 16);
    bool ok = sg_f8_xor(ecb, ecb_m, iv, pt, pt, sizeof pt);
    EVP_CIPHER_CTX_free(ecb);
    EVP_CIPHER_CTX_free(ecb_m);
    CHECK(ok);
    CHECK_MEM_EQ(pt, want, sizeof want);
}

/* RFC 3711 Appendix B.1 as a whole SRTP packet: the f8 IV built from the
 * RTP header and ROC (§4.1.2.2) by the packet transform. B.1's 4-byte salt
 * key gives m = 32f2870d 5555...; a 14-byte k_s of 32f2870d followed by
 * 0x55 bytes gives the same m, so the suite's 112-bit salt reproduces it. */
static void test_f8_rfc3711_b1_packet(void)
{
    uint8_t k_e[16], k_s[14], pkt[51], want[51], out[51];
    check_unhex("234829008467be186c3de14aae72d62c", k_e, sizeof k_e);
    check_unhex("32f2870d55555555555555555555", k_s, sizeof k_s);
    check_unhex("806e5cba50681de55c621599"
                "70736575646f72616e646f6d6e65737320697320746865206e6578742062657374207468696e67",
                pkt, sizeof pkt);
    check_unhex("806e5cba50681de55c621599"
                "019ce7a26e7854014a6366aa95d4eefd1ad4172a14f9faf455b7f1d4b62bd08f562c0eef7c4802",
                want, sizeof want);
    sg_srtp_params p = {.suite = sg_suite_get(SG_SUITE_F8_128_HMAC_SHA1_80),
                        .dir = SG_SRTP_PROTECT,
                        .unauthenticated_srtp = true};
    sg_srtp_ctx *ctx = NULL;
    CHECK_EQ(sg_srtp_ctx_new(&p, &ctx), SG_OK);
    sg_sess s;
    bool ok =
        sg_sess_alloc(&s, p.suite, SG_SRTP_PROTECT) && sg_sess_set(&s, p.suite, k_e, NULL, k_s);
    uint64_t index = (uint64_t)0xd462564a << 16 | 0x5cba;
    sg_status st = sg_srtp_transform(ctx, &s, true, pkt, out, 12, 39, index, NULL, NULL);
    sg_sess_free(&s);
    sg_srtp_ctx_free(ctx);
    CHECK(ok);
    CHECK_EQ(st, SG_OK);
    CHECK_MEM_EQ(out, want, sizeof want);
}

/* ---- Whole packets through a context's transform with session keys set
 * directly (the RFCs give session keys, not master keys). */
static sg_srtp_ctx *ctx_for(sg_suite_id id, sg_srtp_dir dir, bool unenc_srtcp)
{
    sg_srtp_params p = {.suite = sg_suite_get(id), .dir = dir, .unencrypted_srtcp = unenc_srtcp};
    sg_srtp_ctx *ctx = NULL;
    if (sg_srtp_ctx_new(&p, &ctx) != SG_OK)
        return NULL;
    return ctx;
}

/* RFC 7714 §16.1.1 / §16.2.1: SRTP, SSRC 0x5501a0b2, SEQ 0xf17b, ROC 0,
 * payload "Gallia est omnis divisa in partes tres"; salt "Quid pro quo". */
struct gcm_case {
    sg_suite_id suite;
    const char *key, *plain, *prot;
    bool rtcp, e_flag;
    uint32_t index;
};
#define GCM_SALT "517569642070726f2071756f"
#define RTP_PLAIN \
    "8040f17b8041f8d35501a0b247616c6c696120657374206f6d6e69732064697669736120696e2070617274657320" \
    "74726573"
/* RFC 7714 §17.1-§17.3: SRTCP, SSRC "Mars", index 0x5d4. */
#define RTCP_PLAIN \
    "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdead" \
    "beefdeadbeef"
static const struct gcm_case gcm_cases[] = {
    {SG_SUITE_AEAD_AES_128_GCM, "000102030405060708090a0b0c0d0e0f", RTP_PLAIN,
     "8040f17b8041f8d35501a0b2f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3"
     "adf8833899d7f27beb16a9152cf765ee4390cce",
     false, true, 0xf17b},
    {SG_SUITE_AEAD_AES_256_GCM, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     RTP_PLAIN,
     "8040f17b8041f8d35501a0b232b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63"
     "799b87b7aa3db36dfffd6b0f9bb7878d7a76c13",
     false, true, 0xf17b},
    {SG_SUITE_AEAD_AES_128_GCM, "000102030405060708090a0b0c0d0e0f", RTCP_PLAIN,
     "81c8000d4d61727363e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303"
     "ded0bb9275bc84aa45896cf4d2fc5abf87245d9eade800005d4",
     true, true, 0x5d4},
    {SG_SUITE_AEAD_AES_256_GCM, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
     RTCP_PLAIN,
     "81c8000d4d617273d50ae4d1f5ce5d304ba297e47d470c282c3ece5dbffe0a50a2eaa5c1110555be8415f658c61de"
     "0476f1b6fad1d1eb30c4446839f57ff6f6cb26ac3be800005d4",
     true, true, 0x5d4},
    {SG_SUITE_AEAD_AES_128_GCM, "000102030405060708090a0b0c0d0e0f", RTCP_PLAIN,
     "81c8000d4d6172734e5450314e545032525450200000042a0000e9304c756e61deadbeefdeadbeefdeadbeefdeadb"
     "eefdeadbeef841dd9683dd78ec92ae58790125f62b3000005d4",
     true, false, 0x5d4},
};

static void test_gcm_rfc7714_16_17(void)
{
    for (size_t i = 0; i < sizeof gcm_cases / sizeof gcm_cases[0]; i++) {
        const struct gcm_case *c = &gcm_cases[i];
        uint8_t key[32], salt[12], plain[128], prot[160], out[160], tag[16];
        size_t kl = check_unhex(c->key, key, sizeof key);
        (void)kl;
        check_unhex(GCM_SALT, salt, sizeof salt);
        size_t pl = check_unhex(c->plain, plain, sizeof plain);
        size_t rl = check_unhex(c->prot, prot, sizeof prot);
        for (int dir = SG_SRTP_PROTECT; dir <= SG_SRTP_UNPROTECT; dir++) {
            sg_srtp_ctx *ctx = ctx_for(c->suite, (sg_srtp_dir)dir, !c->e_flag);
            CHECK(ctx != NULL);
            sg_sess s;
            bool ok = sg_sess_alloc(&s, sg_suite_get(c->suite), (sg_srtp_dir)dir) &&
                      sg_sess_set(&s, sg_suite_get(c->suite), key, NULL, salt);
            sg_status st;
            if (dir == SG_SRTP_PROTECT) {
                st = c->rtcp ? sg_srtcp_transform(ctx, &s, true, plain, out, pl, c->e_flag,
                                                  c->index, NULL, tag)
                             : sg_srtp_transform(ctx, &s, true, plain, out, 12, pl - 12, c->index,
                                                 NULL, tag);
                memcpy(out + pl, tag, 16);
            } else {
                st = c->rtcp ? sg_srtcp_transform(ctx, &s, false, prot, out, pl, c->e_flag,
                                                  c->index, prot + pl, NULL)
                             : sg_srtp_transform(ctx, &s, false, prot, out, 12, pl - 12, c->index,
                                                 prot + pl, NULL);
            }
            sg_sess_free(&s);
            sg_srtp_ctx_free(ctx);
            CHECK(ok);
            CHECK_EQ(st, SG_OK);
            if (dir == SG_SRTP_PROTECT)
                CHECK_MEM_EQ(out, prot, pl + 16);
            else
                CHECK_MEM_EQ(out, plain, pl);
        }
        (void)rl;
    }
}

/* The same RFC 7714 §16-17 packets through the public API: the packet
 * layout (tag, then E||index for SRTCP) and index handling. Session keys
 * are set on the key the context derived, replacing them. */
static void test_gcm_rfc7714_public_api(void)
{
    for (size_t i = 0; i < sizeof gcm_cases / sizeof gcm_cases[0]; i++) {
        const struct gcm_case *c = &gcm_cases[i];
        uint8_t key[32], salt[12], plain[128], prot[160], out[200];
        size_t kl = check_unhex(c->key, key, sizeof key);
        check_unhex(GCM_SALT, salt, sizeof salt);
        size_t pl = check_unhex(c->plain, plain, sizeof plain);
        size_t rl = check_unhex(c->prot, prot, sizeof prot);
        uint8_t mk[32] = {0}, ms[12] = {0};
        (void)kl;
        sg_srtp_ctx *rx = ctx_for(c->suite, SG_SRTP_UNPROTECT, !c->e_flag);
        CHECK(rx != NULL);
        sg_srtp_key k = {.master_key = mk, .master_salt = ms};
        CHECK_EQ(sg_srtp_add_key(rx, &k), SG_OK);
        sg_mkey *m = rx->keys[rx->cur];
        sg_sess *s = c->rtcp ? &m->rtcp : &m->rtp;
        CHECK(sg_sess_set(s, sg_suite_get(c->suite), key, NULL, salt));
        size_t ol = 0;
        sg_status st = c->rtcp ? sg_srtcp_unprotect(rx, prot, rl, out, sizeof out, &ol)
                               : sg_srtp_unprotect(rx, prot, rl, out, sizeof out, &ol);
        sg_srtp_ctx_free(rx);
        CHECK_EQ(st, SG_OK);
        CHECK_EQ(ol, pl);
        CHECK_MEM_EQ(out, plain, pl);
    }
}

/* ---- Whole packets from a master key: libsrtp's srtp_validate() reference
 * packets (test/srtp_driver.c; default policy AES_CM_128_HMAC_SHA1_80, and
 * its _32 variant), master key and salt of RFC 3711 B.3, SSRC 0xcafebabe,
 * SEQ 0x1234, ROC 0; SRTCP index 1 (libsrtp numbers from 1, ours from 0:
 * one SRTCP packet is sent first). These pin the HMAC tag and the packet
 * layout end to end. */
struct whole_case {
    sg_suite_id suite;
    bool rtcp;
    const char *plain, *prot;
};
static const struct whole_case whole[] = {
    {SG_SUITE_AES_CM_128_HMAC_SHA1_80, false,
     "800f1234decafbadcafebabeabababababababababababababababab",
     "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb"},
    {SG_SUITE_AES_CM_128_HMAC_SHA1_32, false,
     "800f1234decafbadcafebabeabababababababababababababababab",
     "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc"},
    {SG_SUITE_AES_CM_128_HMAC_SHA1_80, true, "81c8000bcafebabeabababababababababababababababab",
     "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798"},
};

static void test_whole_packets_libsrtp_validate(void)
{
    uint8_t mk[16], ms[14];
    check_unhex("E1F97A0D3E018BE0D64FA32C06DE4139", mk, sizeof mk);
    check_unhex("0EC675AD498AFEEBB6960B3AABE6", ms, sizeof ms);
    for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
        const struct whole_case *c = &whole[i];
        uint8_t plain[64], prot[64], out[64];
        size_t pl = check_unhex(c->plain, plain, sizeof plain);
        size_t rl = check_unhex(c->prot, prot, sizeof prot), ol = 0;
        sg_srtp_ctx *tx = ctx_for(c->suite, SG_SRTP_PROTECT, false);
        sg_srtp_ctx *rx = ctx_for(c->suite, SG_SRTP_UNPROTECT, false);
        sg_srtp_key k = {.master_key = mk, .master_salt = ms};
        CHECK(tx && rx);
        CHECK_EQ(sg_srtp_add_key(tx, &k), SG_OK);
        CHECK_EQ(sg_srtp_add_key(rx, &k), SG_OK);
        sg_status a, b;
        if (c->rtcp) {
            (void)sg_srtcp_protect(tx, plain, pl, out, sizeof out, &ol); /* index 0 */
            a = sg_srtcp_protect(tx, plain, pl, out, sizeof out, &ol);
        } else {
            a = sg_srtp_protect(tx, plain, pl, out, sizeof out, &ol);
        }
        bool same = a == SG_OK && ol == rl && memcmp(out, prot, rl) == 0;
        b = c->rtcp ? sg_srtcp_unprotect(rx, prot, rl, out, sizeof out, &ol)
                    : sg_srtp_unprotect(rx, prot, rl, out, sizeof out, &ol);
        sg_srtp_ctx_free(tx);
        sg_srtp_ctx_free(rx);
        CHECK_EQ(a, SG_OK);
        CHECK_MSG(same, "case %zu: protected bytes differ from libsrtp's reference", i);
        CHECK_EQ(b, SG_OK);
        CHECK_EQ(ol, pl);
        CHECK_MEM_EQ(out, plain, pl);
    }
}

/* KDR model check (RFC 3711 §4.3.1, §4.1.1): with kdr 2 every packet's
 * payload must be AES-128-CTR under k_e(r) with IV (k_s(r) * 2^16) XOR
 * (SSRC * 2^64) XOR (i * 2^16), r = i DIV 4, computed here independently
 * with OpenSSL's own CTR mode from sg_kdf's outputs (pinned above). So the
 * session keys change at every 4-packet boundary, across a ROC wrap. */
static void test_kdr_per_packet_model(void)
{
    const sg_suite *su = sg_suite_get(SG_SUITE_AES_CM_128_HMAC_SHA1_80);
    uint8_t mk[16], ms[14];
    check_unhex("E1F97A0D3E018BE0D64FA32C06DE4139", mk, sizeof mk);
    check_unhex("0EC675AD498AFEEBB6960B3AABE6", ms, sizeof ms);
    sg_srtp_params p = {.suite = su, .dir = SG_SRTP_PROTECT, .kdr = 2};
    sg_srtp_ctx *tx = NULL;
    CHECK_EQ(sg_srtp_ctx_new(&p, &tx), SG_OK);
    sg_srtp_key k = {.master_key = mk, .master_salt = ms};
    CHECK_EQ(sg_srtp_add_key(tx, &k), SG_OK);
    EVP_CIPHER_CTX *prf = sg_kdf_prf_new(mk, 16);
    EVP_CIPHER_CTX *ctr = EVP_CIPHER_CTX_new();
    const uint32_t ssrc = 0x11223344;
    for (unsigned n = 0; n < 24; n++) {
        uint16_t seq = (uint16_t)(65524 + n);
        uint64_t idx = n < 12 ? seq : (UINT64_C(1) << 16 | seq); /* ROC 1 after the wrap */
        uint8_t pkt[60] = {0x80, 0,   (uint8_t)(seq >> 8), (uint8_t)seq, 0, 0, 0, 0, 0x11, 0x22,
                           0x33, 0x44};
        for (int b = 12; b < 60; b++)
            pkt[b] = (uint8_t)(b * n);
        uint8_t prot[80], k_e[16], k_s[14], iv[16], ks_out[48];
        size_t pl;
        sg_status st = sg_srtp_protect(tx, pkt, sizeof pkt, prot, sizeof prot, &pl);
        bool ok = sg_kdf(prf, ms, 14, SG_LABEL_RTP_ENC, idx >> 2, k_e, 16) &&
                  sg_kdf(prf, ms, 14, SG_LABEL_RTP_SALT, idx >> 2, k_s, 14);
        sg_cm_iv(iv, k_s, ssrc, idx);
        int outl = 0;
        ok = ok && EVP_EncryptInit_ex(ctr, EVP_aes_128_ctr(), NULL, k_e, iv) == 1 &&
             EVP_EncryptUpdate(ctr, ks_out, &outl, pkt + 12, 48) == 1;
        if (st != SG_OK || !ok) {
            EVP_CIPHER_CTX_free(ctr);
            EVP_CIPHER_CTX_free(prf);
            sg_srtp_ctx_free(tx);
        }
        CHECK_EQ(st, SG_OK);
        CHECK(ok);
        CHECK_MEM_EQ(prot + 12, ks_out, 48);
    }
    EVP_CIPHER_CTX_free(ctr);
    EVP_CIPHER_CTX_free(prf);
    sg_srtp_ctx_free(tx);
}

int main(void)
{
    RUN(test_kdf_rfc3711_b3);
    RUN(test_kdf_rfc6188_7_2_7_4);
    RUN(test_kdf_acvp_kdr);
    RUN(test_cm_iv_layout);
    RUN(test_cm_keystream_b2_6188);
    RUN(test_f8_rfc3711_b1);
    RUN(test_f8_rfc3711_b1_packet);
    RUN(test_gcm_rfc7714_16_17);
    RUN(test_gcm_rfc7714_public_api);
    RUN(test_whole_packets_libsrtp_validate);
    RUN(test_kdr_per_packet_model);
    return check_summary("srtp_kat");
}

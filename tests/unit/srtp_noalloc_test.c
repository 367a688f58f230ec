/*
 * tests/unit/srtp_noalloc_test.c — the packet path allocates nothing: with
 * OpenSSL's allocator replaced by a counting one (CRYPTO_set_mem_functions,
 * set before any OpenSSL call), protect/unprotect of SRTP and SRTCP for
 * every suite, with MKI, KDR re-derivation (kdr 2: new session keys every 4
 * packets), several SSRCs and forged packets, must not call it once. The
 * library's own code allocates only in sg_srtp_ctx_new.
 */
#include "tests/check.h"
#include "tests/unit/srtp_util.h"

#include <openssl/crypto.h>

static unsigned long n_alloc;

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    n_alloc++;
    return malloc(n);
}
static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    n_alloc++;
    return realloc(p, n);
}
static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

static void test_no_allocation_per_packet(void)
{
    for (int id = 0; id < SG_SUITE_COUNT; id++)
        for (uint8_t kdr = 0; kdr <= 2; kdr += 2) {
            sg_srtp_params p = {.suite = sg_suite_get((sg_suite_id)id), .mki_len = 2, .kdr = kdr};
            tu_pair t;
            CHECK_EQ(tu_open(&t, &p, 2), 0);
            uint8_t pkt[300], prot[300], out[300];
            unsigned long before = n_alloc;
            for (unsigned i = 0; i < 200; i++) {
                size_t len = tu_rtp(pkt, 100 + i % 3, (uint16_t)(65500 + i), 160, 0, 0), pl, ol;
                CHECK_EQ(sg_srtp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
                prot[20] ^= 1;
                CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_AUTH_FAIL);
                prot[20] ^= 1;
                CHECK_EQ(sg_srtp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
                len = tu_rtcp(pkt, 100 + i % 3, i, 40);
                CHECK_EQ(sg_srtcp_protect(t.tx, pkt, len, prot, sizeof prot, &pl), SG_OK);
                CHECK_EQ(sg_srtcp_unprotect(t.rx, prot, pl, out, sizeof out, &ol), SG_OK);
            }
            unsigned long used = n_alloc - before;
            tu_close(&t);
            CHECK_MSG(used == 0, "%s kdr %u: %lu allocations in the packet loop",
                      sg_suite_get((sg_suite_id)id)->name, kdr, used);
        }
    CHECK(n_alloc > 0); /* the counter does see OpenSSL's allocations */
}

int main(void)
{
    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free)) {
        fprintf(stderr, "CRYPTO_set_mem_functions failed\n");
        return 1;
    }
    RUN(test_no_allocation_per_packet);
    return check_summary("srtp_noalloc");
}

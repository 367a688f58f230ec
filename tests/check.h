/*
 * tests/check.h — the project's tiny test harness (header only).
 *
 * A test program defines test functions and runs them from main():
 *
 *     static void test_roc_wrap(void) { CHECK_EQ(roc, 1); }
 *     int main(void) { RUN(test_roc_wrap); return check_summary("kdf"); }
 *
 * Assertions never abort and stay on under NDEBUG; a failed one prints both
 * sides with file and line, marks the running test failed and returns from
 * the test function (CHECK_* are statements). check_summary() prints the
 * closing line "NAME: N passed, M failed" that scripts/run-tests.sh adds up,
 * and returns the exit status (1 when anything failed).
 */
#ifndef SDESGATE_TESTS_CHECK_H
#define SDESGATE_TESTS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_passed_, check_failed_, check_cur_failed_;
static const char *check_cur_name_ = "?";

#define CHECK_FAIL_(...) \
    do { \
        fprintf(stderr, "  FAIL %s (%s:%d): ", check_cur_name_, __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
        check_cur_failed_ = 1; \
    } while (0)

/* Integer equality: both sides printed as signed 64-bit values. */
#define CHECK_EQ(a, b) \
    do { \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
        if (check_a_ != check_b_) { \
            CHECK_FAIL_("%s == %s: %lld != %lld", #a, #b, check_a_, check_b_); \
            return; \
        } \
    } while (0)

#define CHECK_NE(a, b) \
    do { \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b); \
        if (check_a_ == check_b_) { \
            CHECK_FAIL_("%s != %s: both %lld", #a, #b, check_a_); \
            return; \
        } \
    } while (0)

#define CHECK(cond) \
    do { \
        if (!(cond)) { \
            CHECK_FAIL_("%s", #cond); \
            return; \
        } \
    } while (0)

/* Like CHECK, with a printf-style explanation. */
#define CHECK_MSG(cond, ...) \
    do { \
        if (!(cond)) { \
            CHECK_FAIL_(__VA_ARGS__); \
            return; \
        } \
    } while (0)

#define CHECK_STR_EQ(a, b) \
    do { \
        const char *check_a_ = (a), *check_b_ = (b); \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) { \
            CHECK_FAIL_("%s == %s:\n    got      \"%s\"\n    expected \"%s\"", #a, #b, \
                        check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)"); \
            return; \
        } \
    } while (0)

static inline void check_hex_(FILE *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x", p[i]);
}

/* Byte-buffer equality; on mismatch prints both in hex and the first
 * differing offset. */
#define CHECK_MEM_EQ(a, b, n) \
    do { \
        const uint8_t *check_a_ = (const uint8_t *)(a); \
        const uint8_t *check_b_ = (const uint8_t *)(b); \
        size_t check_n_ = (size_t)(n); \
        if (memcmp(check_a_, check_b_, check_n_) != 0) { \
            size_t check_i_ = 0; \
            while (check_a_[check_i_] == check_b_[check_i_]) \
                check_i_++; \
            CHECK_FAIL_("%s == %s (%zu bytes), first difference at %zu", #a, #b, check_n_, \
                        check_i_); \
            fputs("    got      ", stderr); \
            check_hex_(stderr, check_a_, check_n_); \
            fputs("\n    expected ", stderr); \
            check_hex_(stderr, check_b_, check_n_); \
            fputc('\n', stderr); \
            return; \
        } \
    } while (0)

#define RUN(fn) \
    do { \
        check_cur_name_ = #fn; \
        check_cur_failed_ = 0; \
        fn(); \
        if (check_cur_failed_) { \
            check_failed_++; \
            fprintf(stderr, "not ok %s\n", #fn); \
        } else { \
            check_passed_++; \
            printf("ok %s\n", #fn); \
        } \
        fflush(stdout); \
    } while (0)

static inline int check_summary(const char *suite)
{
    fflush(stderr);
    printf("%s: %d passed, %d failed\n", suite, check_passed_, check_failed_);
    fflush(stdout);
    return check_failed_ ? 1 : 0;
}

/* Hex string to bytes; returns the byte count (test helper). */
static inline size_t check_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    while (hex[0] && hex[1] && n < cap) {
        if (hex[0] == ' ' || hex[0] == '\n') {
            hex++;
            continue;
        }
        unsigned v;
        if (sscanf(hex, "%2x", &v) != 1)
            break;
        out[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

#endif

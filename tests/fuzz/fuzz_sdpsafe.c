/*
 * tests/fuzz/fuzz_sdpsafe.c — libFuzzer target for sdes.so's refused-SDP
 * builder and c= check (modules/sdes/call/sdpsafe.c). Whatever the bytes,
 * the neutral SDP always fits, has only the lines it may have (v= o= s= c=
 * t= m=), every m= line on port 0, and only plain token characters: no
 * room for an address, key or control character of the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdes/call/sdpsafe.h"

static void check_line(const char *s, size_t n)
{
    if (n < 2 || s[1] != '=' || !strchr("vosctm", s[0]))
        abort();
    if (s[0] == 'm') {
        const char *sp = memchr(s, ' ', n);
        if (!sp || (size_t)(sp - s) + 3 > n || sp[1] != '0' || sp[2] != ' ')
            abort();
    }
    for (size_t i = 2; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              strchr(" /._+*-:", c)))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char out[SDES_NEUTER_CAP];
    char why[200];
    int streams;
    size_t n = sdes_call_neuter((const char *)data, size, out, sizeof(out), &streams);
    if (n == 0 || n != strlen(out) || strncmp(out, "v=0\r\no=- ", 9) != 0 || streams < 0 ||
        streams > SDES_NEUTER_MAX_M)
        abort();
    for (const char *p = out; *p;) {
        const char *e = strstr(p, "\r\n");
        if (!e)
            abort();
        check_line(p, (size_t)(e - p));
        p = e + 2;
    }
    if (sdes_call_sdp_addr_check((const char *)data, size, why, sizeof(why)) < 0 &&
        (!why[0] || strlen(why) >= sizeof(why)))
        abort();
    return 0;
}

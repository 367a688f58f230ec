/*
 * tests/unit/kam_fixture.c — the shared fixtures of the call-logic unit
 * tests (kam_fixture.h).
 */
#include "tests/unit/kam_fixture.h"

#include <string.h>

sdes_call_flags f;
char err[200];

int parse(const char *s)
{
    return sdes_call_flags_parse(s, strlen(s), &f, err, sizeof(err));
}

const char srtp_offer[] =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
    "m=audio 49170 RTP/SAVP 0\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4\r\n";

/*
 * tests/relay/ha_leak.h — searching a Redis dump (or any bytes) for key
 * material the test put in, in every encoding a key travels in: raw bytes,
 * hex in both cases, base64 (standard and URL-safe) at every alignment.
 */
#ifndef SDESGATE_TESTS_RELAY_HA_LEAK_H
#define SDESGATE_TESTS_RELAY_HA_LEAK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "srtp/suite.h"

/* needle in hay. */
bool ha_has(const uint8_t *hay, size_t n, const void *needle, size_t m);
/* The master key, the salt or both of ru_key(suite, seed) in d, raw, hex
 * or base64. */
bool ha_leaks(const sg_suite *suite, const uint8_t *d, size_t n, unsigned seed);
/* A whole file (up to 16 MiB), malloc'd; NULL when unreadable. */
uint8_t *ha_read_file(const char *path, size_t *n);

#endif

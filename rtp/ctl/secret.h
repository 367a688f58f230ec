/*
 * rtp/ctl/secret.h — the control channel's shared secret as srtpd and
 * srtpctl load it (docs/protocol.md "Authentication"): from a file only
 * srtpd's user may read, at least CTL_SECRET_MIN bytes. Both programs refuse
 * a secret on the command line (every local user reads /proc/PID/cmdline).
 */
#ifndef SDESGATE_CTL_SECRET_H
#define SDESGATE_CTL_SECRET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* 16 bytes: the same floor as sdes.so's `secret` modparam. Every signed
 * datagram lets an eavesdropper test guesses offline at HMAC speed, so a
 * short secret falls; 16 random characters (base64 of 12+ random bytes) are
 * out of reach, and the floor still refuses the empty or one-word files
 * that silently meant "no authentication" before. */
#define CTL_SECRET_MIN 16
#define CTL_SECRET_MAX 255

/* Reads the secret from the first line of `path` (a final LF or CRLF is not
 * part of it) into out (cap > CTL_SECRET_MAX), NUL-terminated, length in
 * *len. Refused with one line in err: not a regular file, accessible by
 * others or writable by the group (the owner fixes it with chmod 600), a
 * line longer than CTL_SECRET_MAX, shorter than CTL_SECRET_MIN. A
 * group-readable file is accepted with a warning in warn (warn[0] = 0
 * otherwise). Nothing of the secret ever goes into err or warn. */
bool ctl_secret_read_file(const char *path, char *out, size_t cap, size_t *len, char *err,
                          size_t errlen, char *warn, size_t warnlen);

/* The access rule above for a file holding a secret (a secret file, or a
 * config file with a `secret =` line): false with the reason in err;
 * warn set for a group-readable one. `what` names the file in messages. */
bool ctl_secret_mode_ok(const char *what, const char *path, mode_t mode, char *err, size_t errlen,
                        char *warn, size_t warnlen);

/* The length rule: false with the reason in err. */
bool ctl_secret_len_ok(size_t len, char *err, size_t errlen);

#endif

/*
 * modules/sdes/engine/multipart.c — locate the application/sdp part of a multipart
 * body (RFC 2046 §5.1.1 delimiters and part headers; RFC 5621 for SIP).
 * Read only; the engine splices the rewritten SDP back in place.
 */
#include "sdes/engine/multipart.h"

#include <string.h>
#include <strings.h>

/* The next occurrence of CRLF or LF followed by "--" boundary, from pos;
 * returns the index of the CR (or LF), or len when absent. */
static size_t find_delim(const char *b, size_t len, size_t pos, const char *bd, size_t bn)
{
    for (size_t i = pos; i + 3 + bn <= len; i++) {
        if (b[i] != '\n')
            continue;
        if (memcmp(b + i + 1, "--", 2) == 0 && memcmp(b + i + 3, bd, bn) == 0)
            return (i > pos && b[i - 1] == '\r') ? i - 1 : i;
    }
    return len;
}

static bool is_sdp_type(const char *v, size_t n)
{
    while (n && (*v == ' ' || *v == '\t')) {
        v++;
        n--;
    }
    static const char t[] = "application/sdp";
    if (n < sizeof t - 1 || strncasecmp(v, t, sizeof t - 1) != 0)
        return false;
    return n == sizeof t - 1 || v[sizeof t - 1] == ';' || v[sizeof t - 1] == ' ' ||
           v[sizeof t - 1] == '\t';
}

sdes_mp_status sdes_multipart_sdp(const char *b, size_t len, size_t *off, size_t *n)
{
    if (len < 3 || b[0] != '-' || b[1] != '-')
        return SDES_MP_NOT_MULTIPART;
    /* boundary := 1*70 bchars (RFC 2046 §5.1.1) on the first line */
    size_t e = 2;
    while (e < len && b[e] != '\r' && b[e] != '\n')
        e++;
    size_t bn = e - 2;
    while (bn && (b[2 + bn - 1] == ' ' || b[2 + bn - 1] == '\t'))
        bn--; /* transport padding */
    if (bn == 0 || bn > 70 || e >= len)
        return SDES_MP_MALFORMED;
    const char *bd = b + 2;
    size_t pos = e;
    int found = 0;
    for (;;) {
        /* pos is at the line end after a delimiter line */
        if (pos < len && b[pos] == '\r')
            pos++;
        if (pos >= len || b[pos] != '\n')
            return SDES_MP_MALFORMED;
        pos++;
        /* part headers, up to an empty line */
        bool sdp = false;
        for (;;) {
            size_t le = pos;
            while (le < len && b[le] != '\n')
                le++;
            if (le >= len)
                return SDES_MP_MALFORMED;
            size_t ln = le - pos;
            if (ln && b[pos + ln - 1] == '\r')
                ln--;
            if (ln == 0) {
                pos = le + 1;
                break;
            }
            if (ln > 13 && strncasecmp(b + pos, "Content-Type:", 13) == 0)
                sdp = is_sdp_type(b + pos + 13, ln - 13);
            else if (ln > 2 && strncasecmp(b + pos, "c:", 2) == 0)
                sdp = is_sdp_type(b + pos + 2, ln - 2);
            pos = le + 1;
        }
        size_t d = find_delim(b, len, pos, bd, bn);
        if (d >= len)
            return SDES_MP_MALFORMED;
        if (sdp) {
            if (found++)
                return SDES_MP_SEVERAL_SDP;
            *off = pos;
            *n = d - pos;
        }
        /* skip the delimiter: CRLF "--" boundary, then "--" closes */
        size_t after = d + (b[d] == '\r' ? 2 : 1) + 2 + bn;
        if (after + 2 <= len && b[after] == '-' && b[after + 1] == '-')
            break;
        while (after < len && (b[after] == ' ' || b[after] == '\t'))
            after++;
        pos = after;
    }
    return found ? SDES_MP_OK : SDES_MP_NO_SDP;
}

/*
 * modules/sdes/engine/names.c — the text the SDES engine shows: the name
 * tables of modes and rejection codes, and key masking for display (every
 * inline: key's base64 replaced by '*').
 */
#include "engine_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- names -------------------------------------------------------------- */

static const struct {
    const char *text, *name;
} rej_tab[] = {
#define SDES_REJ_TAB_(n, num, t) [num] = {t, #n},
    SDES_REJ_MAP(SDES_REJ_TAB_)
#undef SDES_REJ_TAB_
};

const char *sdes_rej_str(sdes_rej r)
{
    if ((unsigned)r >= sizeof rej_tab / sizeof rej_tab[0] || !rej_tab[r].text)
        return "unknown rejection";
    return rej_tab[r].text;
}

const char *sdes_rej_name(sdes_rej r)
{
    if ((unsigned)r >= sizeof rej_tab / sizeof rej_tab[0] || !rej_tab[r].name)
        return "UNKNOWN";
    return rej_tab[r].name;
}

static const char *mode_names[] = {"encrypt", "decrypt", "rekey", "passthrough", "osrtp"};

int sdes_mode_from_name(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (name && strcmp(name, mode_names[i]) == 0)
            return i;
    return -1;
}

const char *sdes_mode_name(sdes_mode m)
{
    return (unsigned)m < 5 ? mode_names[m] : "?";
}

/* ---- masking ------------------------------------------------------------ */

/* Every "inline:" followed by base64 gets its base64 replaced by '*'. */
char *sdes_mask_keys(const char *body, size_t len)
{
    char *o = malloc(len + 1);
    if (!o)
        return NULL;
    memcpy(o, body, len);
    o[len] = '\0';
    for (size_t i = 0; i + 7 <= len; i++) {
        if (strncasecmp(o + i, "inline:", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < len &&
               (isalnum((unsigned char)o[j]) || o[j] == '+' || o[j] == '/' || o[j] == '='))
            o[j++] = '*';
        i = j - 1;
    }
    return o;
}

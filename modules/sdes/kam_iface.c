/*
 * modules/sdes/kam_iface.c — default_directions (kam_iface.h): two
 * interface names, separated by blanks or a comma, parsed with the flag
 * parser as "direction=A direction=B" so the rules cannot drift.
 */
#include "sdes/kam_iface.h"

#include <stdio.h>
#include <string.h>

#include "core/dprint.h"

static sdes_call_flags dirs; /* set at start-up, read-only in the workers */

int sdes_kam_iface_param(modparam_t type, void *val)
{
    const char *v = (const char *)val;
    char names[2][SDES_CALL_IFNAME_MAX + 8], flags[160], err[200];
    int n = 0;
    (void)type;
    if (!v)
        return -1;
    for (const char *p = v; *p && n <= 2;) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (!*p)
            break;
        size_t k = strcspn(p, " \t,");
        if (n < 2)
            snprintf(names[n], sizeof(names[n]), "%.*s", (int)(k < 40 ? k : 40), p);
        n++;
        p += k;
    }
    if (n != 2) {
        LM_ERR("modparam default_directions: want two interface names, the offerer's side"
               " first (\"internal external\"), got \"%s\"\n",
               v);
        return -1;
    }
    snprintf(flags, sizeof(flags), "direction=%s direction=%s", names[0], names[1]);
    if (sdes_call_flags_parse(flags, strlen(flags), &dirs, err, sizeof(err)) < 0) {
        LM_ERR("modparam default_directions: %s\n", err);
        return -1;
    }
    return 0;
}

void sdes_kam_iface_defaults(sdes_call_flags *f)
{
    if (!(f->set & SDES_CALL_F_DIRECTION) && (dirs.set & SDES_CALL_F_DIRECTION)) {
        memcpy(f->direction, dirs.direction, sizeof(f->direction));
        f->n_direction = 2;
        f->set |= SDES_CALL_F_DIRECTION;
    }
}

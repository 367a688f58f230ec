/*
 * rtp/relay/iface.c — srtpd's named media interfaces (iface.h): the
 * `interface` syntax, the start-up refusals and the test-bind of every
 * address, so a wrong address stops srtpd at start with its cause instead
 * of failing every call later with "no free media port pair".
 */
#include "relay/iface.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "relay/ports.h"

static bool name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= RELAY_IFACE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

/* An IPv4 or IPv6 literal into ss (port 0). */
static bool parse_ip(const char *s, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, s, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

static bool is_unspecified(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
    return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static bool is_multicast(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return IN_MULTICAST(ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr));
    return IN6_IS_ADDR_MULTICAST(&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static void canon(const struct sockaddr_storage *ss, char *out, size_t cap)
{
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, out, (socklen_t)cap);
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, out, (socklen_t)cap);
}

int relay_ifaces_find(const relay_ifaces *ifs, const char *name, size_t len)
{
    for (int i = 0; i < ifs->n; i++)
        if (strlen(ifs->list[i].name) == len && memcmp(ifs->list[i].name, name, len) == 0)
            return i;
    return -1;
}

/* One item "[NAME/]BIND[!ADV]"; want_family 0 for any, else the family
 * the option allows (interface6). */
static bool add_item(relay_ifaces *ifs, const char *item, int want_family, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", item);
    const char *name = RELAY_IFACE_DEFAULT;
    char *addr = buf;
    char *slash = strchr(buf, '/');
    if (slash) {
        *slash = 0;
        if (!name_ok(buf, strlen(buf))) {
            snprintf(err, errlen,
                     "interface %s: the name must be 1..31 of A-Z a-z 0-9 _ . - (in \"%s\")", buf,
                     item);
            return false;
        }
        name = buf;
        addr = slash + 1;
    }
    char *bang = strchr(addr, '!');
    const char *adv = NULL;
    if (bang) {
        *bang = 0;
        adv = bang + 1;
    }
    struct sockaddr_storage b, a;
    if (!parse_ip(addr, &b)) {
        snprintf(err, errlen, "interface %s: bind address \"%s\" is not an IP address", name, addr);
        return false;
    }
    if (want_family && b.ss_family != want_family) {
        snprintf(err, errlen, "interface6: \"%s\" is not an IPv6 address", addr);
        return false;
    }
    if (is_multicast(&b)) {
        snprintf(err, errlen, "interface %s: bind address %s is a multicast address", name, addr);
        return false;
    }
    if (adv) {
        if (!parse_ip(adv, &a)) {
            snprintf(err, errlen, "interface %s: advertised address \"%s\" is not an IP address",
                     name, adv);
            return false;
        }
        if (a.ss_family != b.ss_family) {
            snprintf(err, errlen,
                     "interface %s: advertised %s and bind %s are of different families", name, adv,
                     addr);
            return false;
        }
    } else {
        a = b;
    }
    /* 0.0.0.0 / :: in SDP's c= means hold (RFC 3264 §8.4): never advertised. */
    if (is_unspecified(&a) || is_multicast(&a)) {
        snprintf(err, errlen,
                 "interface %s: %s cannot be advertised (%s): give the address peers reach, "
                 "NAME/BIND!ADVERTISED",
                 name, adv ? adv : addr,
                 is_unspecified(&a) ? "unspecified: SDP reads it as hold" : "multicast");
        return false;
    }
    int k = relay_ifaces_find(ifs, name, strlen(name));
    if (k < 0) {
        if (ifs->n >= RELAY_IFACE_MAX) {
            snprintf(err, errlen, "interface %s: at most %d interface names", name,
                     RELAY_IFACE_MAX);
            return false;
        }
        k = ifs->n++;
        snprintf(ifs->list[k].name, sizeof(ifs->list[k].name), "%s", name);
    }
    relay_iface_addr *fa = &ifs->list[k].fam[relay_fam_idx(b.ss_family)];
    if (fa->set) {
        snprintf(err, errlen, "interface %s: a second %s address (%s; it has %s)", name,
                 b.ss_family == AF_INET ? "IPv4" : "IPv6", addr, fa->bind_s);
        return false;
    }
    fa->set = true;
    fa->bind = b;
    canon(&b, fa->bind_s, sizeof(fa->bind_s));
    canon(&a, fa->adv_s, sizeof(fa->adv_s));
    return true;
}

/* A value with ';'-separated items (blanks around them ignored). */
static bool add_value(relay_ifaces *ifs, const char *val, int want_family, char *err, size_t errlen)
{
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", val);
    char *save = NULL;
    int items = 0;
    for (char *it = strtok_r(buf, ";", &save); it; it = strtok_r(NULL, ";", &save)) {
        while (*it == ' ' || *it == '\t')
            it++;
        char *e = it + strlen(it);
        while (e > it && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = 0;
        if (!*it)
            continue;
        if (!add_item(ifs, it, want_family, err, errlen))
            return false;
        items++;
    }
    if (!items) {
        snprintf(err, errlen, "interface: empty value");
        return false;
    }
    return true;
}

bool relay_ifaces_parse(const relay_config *cfg, relay_ifaces *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < cfg->niface; i++)
        if (!add_value(out, cfg->iface[i], 0, err, errlen))
            return false;
    if (cfg->niface == 0 && !add_value(out, "127.0.0.1", 0, err, errlen))
        return false;
    if (cfg->interface6[0] && !add_value(out, cfg->interface6, AF_INET6, err, errlen))
        return false;
    /* Legs that name no interface: "default" when there is one, else the
     * first one configured. */
    int d = relay_ifaces_find(out, RELAY_IFACE_DEFAULT, strlen(RELAY_IFACE_DEFAULT));
    out->def = d >= 0 ? d : 0;
    return true;
}

bool relay_ifaces_probe(const relay_ifaces *ifs, char *err, size_t errlen)
{
    for (int i = 0; i < ifs->n; i++)
        for (int f = 0; f < 2; f++) {
            const relay_iface_addr *fa = &ifs->list[i].fam[f];
            if (!fa->set)
                continue;
            int fd = relay_ports_bind(&fa->bind, 0, false);
            if (fd >= 0) {
                close(fd);
                continue;
            }
            int e = errno;
            const char *name = strerrorname_np(e);
            snprintf(err, errlen, "interface %s: cannot bind %s: %s (%s)%s", ifs->list[i].name,
                     fa->bind_s, strerror(e), name ? name : "?",
                     e == EADDRNOTAVAIL ? ": the address is not on this host (for 1:1 NAT bind "
                                          "the local address and advertise the public one: "
                                          "NAME/LOCAL!PUBLIC)"
                                        : "");
            return false;
        }
    return true;
}

void relay_ifaces_describe(const relay_ifaces *ifs, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < ifs->n && o < cap; i++) {
        const relay_iface *f = &ifs->list[i];
        int n = snprintf(buf + o, cap - o, "%s%s (", i ? ", " : "", f->name);
        if (n < 0 || (size_t)n >= cap - o)
            return;
        o += (size_t)n;
        for (int k = 0; k < 2; k++) {
            const relay_iface_addr *fa = &f->fam[k];
            if (!fa->set)
                continue;
            bool nat = strcmp(fa->bind_s, fa->adv_s) != 0;
            n = snprintf(buf + o, cap - o, "%s%s%s%s", k && f->fam[0].set ? ", " : "", fa->bind_s,
                         nat ? "!" : "", nat ? fa->adv_s : "");
            if (n < 0 || (size_t)n >= cap - o)
                return;
            o += (size_t)n;
        }
        n = snprintf(buf + o, cap - o, ")");
        if (n < 0 || (size_t)n >= cap - o)
            return;
        o += (size_t)n;
    }
    if (ifs->n > 1 && o < cap)
        snprintf(buf + o, cap - o, "; legs naming none: %s", ifs->list[ifs->def].name);
}

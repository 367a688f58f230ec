/*
 * modules/sdes/kam_params.c — sdes.so's module parameters and their checks
 * (kam_params.h).
 *
 * `kamailio -c` (5.6) parses the config and exits: it runs the modparam
 * setters but neither mod_init nor the fixups. So every parameter has a
 * setter (PARAM_USE_FUNC) that checks its own value and fails the config
 * with one line naming the parameter and the bad value; the checks that
 * need several parameters (secret vs. an off-loopback relay, the default_*
 * together) run in mod_init and, under `kamailio -c`, when the check
 * exits (sdes_kam_params_check_at_exit). The secret itself is never
 * logged, only its length.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/dprint.h"
#include "core/globals.h"
#include "core/mem/mem.h"

#include "ctl/secret.h"

#include "sdes/call/bridge.h"
#include "sdes/kam_events.h"
#include "sdes/kam_params.h"
#include "sdes/kam_relay.h"

sdes_kam_params sdes_kam_p = {
    .secret = NULL,
    .secret_file = NULL,
    .timeout_ms = 1000,
    .retries = 2,
    .ping_interval = 10,
    .default_mode = "encrypt",
    .default_policy = "optional",
    .default_suites = "AES_CM_128_HMAC_SHA1_80,AES_256_CM_HMAC_SHA1_80,AEAD_AES_128_GCM",
    .default_flags = "",
    .switch_after_ms = 2000,
    .state_cache = 1024,
};

sdes_call_flags sdes_kam_defaults;
static char secret_buf[CTL_SECRET_MAX + 1];
static int setter_failed; /* a setter already said what is wrong */
/* Appended to a joint check's line when it comes after Kamailio's own
 * "config file ok" (kamailio -c): it is not. */
static const char *at_exit_note = "";

/* What each default_* parameter may hold. */
#define MASK_FLAGS \
    (SDES_CALL_F_MKI | SDES_CALL_F_LIFETIME | SDES_CALL_F_ROC | SDES_CALL_F_KEYS | \
     SDES_CALL_F_MKI_USE | SDES_CALL_F_NOMKI)

static int bad(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int bad(const char *fmt, ...)
{
    char line[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    LM_ERR("%s\n", line);
    setter_failed = 1;
    return -1;
}

/* A pkg copy of a string parameter (Kamailio's own copy for PARAM_STRING
 * is not made when the parameter has a setter). */
static char *keep(const char *name, const char *v)
{
    size_t n = strlen(v);
    char *c = pkg_malloc(n + 1);
    if (!c) {
        bad("modparam %s: out of pkg memory", name);
        return NULL;
    }
    memcpy(c, v, n + 1);
    return c;
}

int sdes_kam_params_relay(modparam_t type, void *val)
{
    (void)type;
    if (sdes_kam_relay_param((const char *)val) < 0) {
        setter_failed = 1;
        return -1;
    }
    return 0;
}

static int set_secret(const char *v)
{
    if (sdes_kam_p.secret_file && *sdes_kam_p.secret_file && *v)
        return bad("modparam secret: secret_file is set too; set only one");
    if (*v && strlen(v) < CTL_SECRET_MIN)
        /* A short shared secret is guessable offline from one datagram. */
        return bad("modparam secret: %zu characters, at least %d", strlen(v), CTL_SECRET_MIN);
    if (strlen(v) > CTL_SECRET_MAX)
        return bad("modparam secret: %zu characters, at most %d", strlen(v), CTL_SECRET_MAX);
    return (sdes_kam_p.secret = keep("secret", v)) ? 0 : -1;
}

int sdes_kam_params_secret_set(modparam_t type, void *val)
{
    (void)type;
    return set_secret((const char *)val);
}

/* kamailio.cfg is often readable by every local user; a file only
 * Kamailio's user reads keeps the relay secret out of it. Read here, so
 * `kamailio -c` (as the user that will run Kamailio) sees a missing,
 * unreadable, too open, empty or short file. */
int sdes_kam_params_secret_file_set(modparam_t type, void *val)
{
    const char *v = (const char *)val;
    char why[400], warn[400];
    size_t n;
    (void)type;
    if (!*v)
        return bad("modparam secret_file \"\": empty path");
    if (sdes_kam_p.secret && *sdes_kam_p.secret && sdes_kam_p.secret != secret_buf)
        return bad("modparam secret_file \"%s\": secret is set too; set only one", v);
    if (!ctl_secret_read_file(v, secret_buf, sizeof(secret_buf), &n, why, sizeof(why), warn,
                              sizeof(warn)))
        return bad("modparam secret_file \"%s\": %s", v, why);
    if (warn[0])
        LM_WARN("modparam secret_file \"%s\": %s\n", v, warn);
    sdes_kam_p.secret = secret_buf;
    return (sdes_kam_p.secret_file = keep("secret_file", v)) ? 0 : -1;
}

static int int_param(const char *name, void *val, int lo, int hi, const char *unit, int *dst)
{
    int v = (int)(long)val;
    if (v < lo || v > hi)
        return bad("modparam %s %d: want %d..%d (%s)", name, v, lo, hi, unit);
    *dst = v;
    return 0;
}

int sdes_kam_params_timeout_ms_set(modparam_t type, void *val)
{
    (void)type;
    return int_param("timeout_ms", val, 10, 60000, "milliseconds per control request",
                     &sdes_kam_p.timeout_ms);
}

int sdes_kam_params_retries_set(modparam_t type, void *val)
{
    (void)type;
    return int_param("retries", val, 0, 10, "retransmissions per control request",
                     &sdes_kam_p.retries);
}

int sdes_kam_params_ping_interval_set(modparam_t type, void *val)
{
    (void)type;
    return int_param("ping_interval", val, 1, 3600, "seconds between relay pings",
                     &sdes_kam_p.ping_interval);
}

int sdes_kam_params_switch_after_ms_set(modparam_t type, void *val)
{
    (void)type;
    return int_param("switch_after_ms", val, 0, 60000, "milliseconds, 0 = switch at the 2xx",
                     &sdes_kam_p.switch_after_ms);
}

/* Slots of the answer state cache (kam_statecache.h): each is a fixed
 * shm buffer, so the bound keeps a typo from taking all of shm. */
int sdes_kam_params_state_cache_set(modparam_t type, void *val)
{
    (void)type;
    return int_param("state_cache", val, 0, 1 << 20, "slots, 0 = no cache",
                     &sdes_kam_p.state_cache);
}

int sdes_kam_params_event_interval_ms_set(modparam_t type, void *val)
{
    (void)type;
    return int_param("event_interval_ms", val, 0, 60000, "milliseconds, 0 = no events",
                     &sdes_kam_event_interval_ms);
}

/* A KEMI function name: what app_lua/app_python3/app_jsdt can call
 * (letters, digits, '_' and '.' for a module path), so a typo in quoting
 * fails at kamailio -c rather than at the first event. */
int sdes_kam_params_event_callback_set(modparam_t type, void *val)
{
    (void)type;
    const char *v = (const char *)val;
    size_t n = v ? strlen(v) : 0;
    bool ok = n > 0 && n < 128 && !(v[0] >= '0' && v[0] <= '9');
    for (size_t i = 0; ok && i < n; i++)
        ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
             (v[i] >= '0' && v[i] <= '9') || v[i] == '_' || v[i] == '.';
    if (!ok)
        return bad("modparam event_callback \"%.64s\": want a KEMI function name "
                   "(letters, digits, '_', '.')",
                   v ? v : "");
    sdes_kam_event_callback = (char *)v;
    return 0;
}

/* A default_* parameter's value on its own: the flag syntax, and exactly
 * the items it names. text is what is parsed (default_suites gets
 * "suites=" in front), shown is what the operator wrote. */
static int default_check(const char *name, const char *text, const char *shown, unsigned expect,
                         sdes_call_flags *out)
{
    char err[200];
    if (sdes_call_flags_parse(text, strlen(text), out, err, sizeof(err)) < 0)
        return bad("modparam %s \"%s\": %s", name, shown, err);
    if (out->set & ~expect)
        return bad("modparam %s \"%s\": holds other flags than its own", name, shown);
    return 0;
}

static const char *suites_text(const char *v, char *tmp, size_t cap)
{
    if (!*v)
        return "";
    if ((size_t)snprintf(tmp, cap, "suites=%s", v) >= cap)
        return NULL;
    return tmp;
}

static int set_default(const char *name, const char *v, unsigned expect, char **dst)
{
    sdes_call_flags f;
    char tmp[512];
    const char *text = v;
    if (expect == SDES_CALL_F_SUITES && !(text = suites_text(v, tmp, sizeof(tmp))))
        return bad("modparam %s: %zu characters, at most %zu", name, strlen(v), sizeof(tmp) - 8);
    if (default_check(name, text, v, expect, &f) < 0)
        return -1;
    return (*dst = keep(name, v)) ? 0 : -1;
}

int sdes_kam_params_default_mode_set(modparam_t type, void *val)
{
    (void)type;
    return set_default("default_mode", (const char *)val, SDES_CALL_F_MODE,
                       &sdes_kam_p.default_mode);
}

int sdes_kam_params_default_policy_set(modparam_t type, void *val)
{
    (void)type;
    return set_default("default_policy", (const char *)val, SDES_CALL_F_POLICY,
                       &sdes_kam_p.default_policy);
}

int sdes_kam_params_default_suites_set(modparam_t type, void *val)
{
    (void)type;
    return set_default("default_suites", (const char *)val, SDES_CALL_F_SUITES,
                       &sdes_kam_p.default_suites);
}

int sdes_kam_params_default_flags_set(modparam_t type, void *val)
{
    (void)type;
    return set_default("default_flags", (const char *)val, MASK_FLAGS, &sdes_kam_p.default_flags);
}

const char *sdes_kam_params_secret(void)
{
    return sdes_kam_p.secret;
}

/* The checks that need several parameters. Builds sdes_kam_defaults. */
static int cross_check(void)
{
    const sdes_kam_params *p = &sdes_kam_p;
    const struct {
        const char *name, *value;
        unsigned expect;
    } d[] = {
        {"default_mode", p->default_mode, SDES_CALL_F_MODE},
        {"default_policy", p->default_policy, SDES_CALL_F_POLICY},
        {"default_suites", p->default_suites, SDES_CALL_F_SUITES},
        {"default_flags", p->default_flags, MASK_FLAGS},
    };
    char tmp[512], err[200];
    sdes_policy pol;

    memset(&sdes_kam_defaults, 0, sizeof(sdes_kam_defaults));
    for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
        sdes_call_flags f;
        const char *text = d[i].value ? d[i].value : "";
        if (d[i].expect == SDES_CALL_F_SUITES && !(text = suites_text(text, tmp, sizeof(tmp))))
            return bad("modparam %s: too long", d[i].name);
        if (default_check(d[i].name, text, d[i].value ? d[i].value : "", d[i].expect, &f) < 0)
            return -1;
        /* Each default_* holds its own items only, so the order is free. */
        sdes_call_flags_apply_defaults(&sdes_kam_defaults, &f);
    }
    if (sdes_call_engine_policy(&sdes_kam_defaults, &pol, err, sizeof(err)) < 0)
        return bad("modparam default_flags \"%s\" (default_policy \"%s\"): %s%s",
                   p->default_flags ? p->default_flags : "",
                   p->default_policy ? p->default_policy : "", err, at_exit_note);
    const char *remote = sdes_kam_relay_remote_unsigned(p->secret && *p->secret);
    if (remote)
        return bad("modparam relay \"%s\": not on loopback and no secret: set modparam secret"
                   " or secret_file%s",
                   remote, at_exit_note);
    return 0;
}

int sdes_kam_params_init(void)
{
    return cross_check();
}

/* `kamailio -c` returns from main() right after "config file ok": no
 * module hook runs after the whole config is read but exit handlers.
 * The parameters' joint checks run here; a failure turns the exit status
 * into 255 (the line above it names the parameter). */
static void check_at_exit(void)
{
    if (setter_failed)
        return; /* Kamailio already fails the config */
    at_exit_note = " (kamailio -c: the config is NOT ok)";
    if (cross_check() < 0)
        _exit(255);
}

void sdes_kam_params_check_at_exit(void)
{
    if (config_check)
        atexit(check_at_exit);
}

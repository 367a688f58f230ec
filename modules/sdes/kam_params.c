/*
 * modules/sdes/kam_params.c — sdes.so's module parameters and their
 * start-up checks (kam_params.h). Every check logs one line naming the
 * parameter; the secret's value is never logged.
 */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"

#include "ctl/secret.h"

#include "sdes/call/bridge.h"
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
};

sdes_kam_flags sdes_kam_defaults;
static char secret_buf[CTL_SECRET_MAX + 1];

int sdes_kam_params_relay(modparam_t type, void *val)
{
    (void)type;
    return sdes_kam_relay_param((const char *)val);
}

const char *sdes_kam_params_secret(void)
{
    return sdes_kam_p.secret;
}

/* A default_* parameter must hold exactly the item it names. */
static int parse_default(const char *name, const char *value, unsigned expect)
{
    sdes_kam_flags f;
    char err[200];
    if (!value)
        return 0;
    if (sdes_kam_flags_parse(value, strlen(value), &f, err, sizeof(err)) < 0) {
        LM_ERR("modparam %s: %s\n", name, err);
        return -1;
    }
    if (expect && (f.set & ~expect)) {
        LM_ERR("modparam %s holds other flags than its own\n", name);
        return -1;
    }
    sdes_kam_flags_apply_defaults(&sdes_kam_defaults, &f);
    return 0;
}

int sdes_kam_params_init(void)
{
    sdes_kam_params *p = &sdes_kam_p;

    memset(&sdes_kam_defaults, 0, sizeof(sdes_kam_defaults));
    if (parse_default("default_mode", p->default_mode, SDES_KAM_F_MODE) < 0 ||
        parse_default("default_policy", p->default_policy, SDES_KAM_F_POLICY) < 0)
        return -1;
    if (p->default_suites && *p->default_suites) {
        char tmp[512];
        snprintf(tmp, sizeof(tmp), "suites=%s", p->default_suites);
        if (parse_default("default_suites", tmp, SDES_KAM_F_SUITES) < 0)
            return -1;
    }
    if (parse_default("default_flags", p->default_flags,
                      SDES_KAM_F_MKI | SDES_KAM_F_LIFETIME | SDES_KAM_F_ROC | SDES_KAM_F_KEYS |
                          SDES_KAM_F_MKI_USE | SDES_KAM_F_NOMKI) < 0)
        return -1;
    {
        sdes_policy pol;
        char err[200];
        if (sdes_kam_engine_policy(&sdes_kam_defaults, &pol, err, sizeof(err)) < 0) {
            LM_ERR("default_* parameters: %s\n", err);
            return -1;
        }
    }
    if (p->timeout_ms < 10 || p->timeout_ms > 60000 || p->retries < 0 || p->retries > 10 ||
        p->ping_interval < 1 || p->ping_interval > 3600) {
        LM_ERR("timeout_ms must be 10..60000, retries 0..10, ping_interval 1..3600\n");
        return -1;
    }
    if (p->switch_after_ms < 0 || p->switch_after_ms > 60000) {
        LM_ERR("modparam switch_after_ms: 0..60000 (0 = switch at the 2xx)\n");
        return -1;
    }
    if (p->secret_file && *p->secret_file) {
        /* kamailio.cfg is often readable by every local user; a file only
         * Kamailio's user reads keeps the relay secret out of it. */
        char why[400], warn[400];
        size_t n;
        if (p->secret && *p->secret) {
            LM_ERR("modparam secret and secret_file: set only one\n");
            return -1;
        }
        if (!ctl_secret_read_file(p->secret_file, secret_buf, sizeof(secret_buf), &n, why,
                                  sizeof(why), warn, sizeof(warn))) {
            LM_ERR("modparam secret_file: %s\n", why);
            return -1;
        }
        if (warn[0])
            LM_WARN("modparam secret_file: %s\n", warn);
        p->secret = secret_buf;
    }
    if (p->secret && *p->secret && strlen(p->secret) < 16) {
        /* A short shared secret is guessable offline from one datagram. */
        LM_ERR("modparam secret: at least 16 characters\n");
        return -1;
    }
    return 0;
}

/*
 * modules/sdes/kam_iface.h — the module parameter default_directions: the
 * pair of srtpd media interfaces (docs/srtpd.md "Media interfaces") a
 * call gets when its sdes_offer() flags name none, e.g.
 *   modparam("sdes", "default_directions", "internal external")
 * (the offerer's side first, as the direction= flags). Checked when the
 * parameter is set: a bad value stops Kamailio at start.
 */
#ifndef SDESGATE_SDES_KAM_IFACE_H
#define SDESGATE_SDES_KAM_IFACE_H

#include "core/sr_module.h"

#include "sdes/call/flags.h"

/* The modparam's setter (PARAM_STRING | PARAM_USE_FUNC). */
int sdes_kam_iface_param(modparam_t type, void *val);

/* Fills f's direction names from default_directions when f has none. */
void sdes_kam_iface_defaults(sdes_call_flags *f);

#endif

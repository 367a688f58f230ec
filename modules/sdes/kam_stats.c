/*
 * modules/sdes/kam_stats.c — sdes.so's statistics (kam_stats.h).
 */
#include "sdes/kam_stats.h"

sdes_kam_stats sdes_kam_st;

void sdes_kam_stat_inc(stat_var *counter)
{
    if (counter)
        update_stat(counter, 1);
}

void sdes_kam_stats_call_opened(void)
{
    update_stat(sdes_kam_st.active, 1);
}

void sdes_kam_stats_call_closed(void)
{
    update_stat(sdes_kam_st.active, -1);
}

void sdes_kam_stats_not_available(void)
{
    update_stat(sdes_kam_st.unavailable, 1);
}

void sdes_kam_stats_rpc(rpc_t *rpc, void *ctx, const stat_export_t *table)
{
    void *th;
    if (rpc->add(ctx, "{", &th) < 0) {
        rpc->fault(ctx, 500, "Internal error creating rpc struct");
        return;
    }
    for (const stat_export_t *s = table; s->name; s++)
        rpc->struct_add(th, "d", s->name, (int)get_stat_val(*s->stat_pointer));
}

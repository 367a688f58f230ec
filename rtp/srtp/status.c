/* rtp/srtp/status.c — strings for sg_status, generated from SG_STATUS_MAP. */
#include "srtp/status.h"

const char *sg_status_str(sg_status st)
{
    switch (st) {
#define SG_STATUS_STR_(name, num, text) \
    case SG_##name: \
        return text;
        SG_STATUS_MAP(SG_STATUS_STR_)
#undef SG_STATUS_STR_
    }
    return "unknown status";
}

const char *sg_status_name(sg_status st)
{
    switch (st) {
#define SG_STATUS_NAME_(name, num, text) \
    case SG_##name: \
        return #name;
        SG_STATUS_MAP(SG_STATUS_NAME_)
#undef SG_STATUS_NAME_
    }
    return "UNKNOWN";
}

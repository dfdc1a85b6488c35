#include "hist.h"

#include <string.h>

void hist_reset(hist_t *h)
{
    memset(h, 0, sizeof *h);
    h->min = UINT64_MAX;
}

void hist_write_json(const hist_t *h, FILE *out)
{
    fprintf(out, "{\"scheme\":\"loglinear\",\"subBits\":%u,\"count\":%llu,\"min\":%llu,\"max\":%llu,\"sum\":%.0f,\"buckets\":[",
            HIST_SUB_BITS, (unsigned long long)h->count, (unsigned long long)(h->count ? h->min : 0),
            (unsigned long long)h->max, h->sum);
    int first = 1;
    for (unsigned i = 0; i < HIST_BUCKETS; i++) {
        if (!h->counts[i])
            continue;
        fprintf(out, "%s[%u,%llu]", first ? "" : ",", i, (unsigned long long)h->counts[i]);
        first = 0;
    }
    fputs("]}", out);
}

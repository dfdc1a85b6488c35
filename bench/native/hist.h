/*
 * Log-linear latency histogram (the same bucket scheme as bench/load/histogram.ts).
 *
 * Values are non-negative integers (microseconds here). Values below 2^SUB_BITS
 * get one bucket each; above that every power-of-two range is split into
 * 2^(SUB_BITS-1) equal buckets, so a bucket is at most 1/64 (1.6 %) wide
 * relative to its value. HIST_BUCKETS covers values up to 2^47 (about 4.5
 * years in µs); larger values land in the last bucket.
 */
#ifndef WSLOAD_HIST_H
#define WSLOAD_HIST_H

#include <stdint.h>
#include <stdio.h>

#define HIST_SUB_BITS 7
#define HIST_HALF (1u << (HIST_SUB_BITS - 1))          /* 64 buckets per octave */
#define HIST_BUCKETS ((1u << HIST_SUB_BITS) + 40u * HIST_HALF)

typedef struct {
    uint64_t counts[HIST_BUCKETS];
    uint64_t count;
    uint64_t min;
    uint64_t max;
    double sum;
} hist_t;

void hist_reset(hist_t *h);

static inline unsigned hist_index(uint64_t v)
{
    if (v < (1u << HIST_SUB_BITS))
        return (unsigned)v;
    unsigned msb = 63u - (unsigned)__builtin_clzll(v);
    unsigned shift = msb - (HIST_SUB_BITS - 1);
    /* v >> shift lies in [HALF, 2*HALF): the sub-bucket within the octave. */
    unsigned idx = shift * HIST_HALF + (unsigned)(v >> shift);
    return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

static inline void hist_record(hist_t *h, uint64_t v)
{
    h->counts[hist_index(v)]++;
    h->count++;
    h->sum += (double)v;
    if (v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
}

/* Writes the histogram as a JSON object: scheme, count, min, max, sum and sparse [index,count] pairs. */
void hist_write_json(const hist_t *h, FILE *out);

#endif

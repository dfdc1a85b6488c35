/*
 * Counters a wsload process keeps, and their JSON form. Everything here is
 * touched only by the one thread of the process.
 */
#ifndef WSLOAD_STATS_H
#define WSLOAD_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Server message types (protocol v1); anything else counts as "other". */
enum msg_type { MT_SNAPSHOT, MT_QUOTE, MT_TRADES, MT_BAR, MT_ERROR, MT_PONG, MT_OTHER, MT_COUNT };

typedef struct {
    uint64_t messages[MT_COUNT]; /* JSON messages by type (an array frame holds several) */
    uint64_t frames;             /* complete data messages (WebSocket level, after reassembly) */
    uint64_t bytes;              /* bytes read from sockets, headers included */
    uint64_t reads;              /* read() calls that returned data */
    uint64_t gaps;               /* quote seqs skipped (sum of jumps beyond +1) */
    uint64_t duplicates;         /* quotes whose seq was not above the last seen */
    uint64_t unknown_symbol;     /* quotes/snapshots for a symbol this connection did not subscribe to */
    uint64_t pings;              /* pings answered */
    uint64_t negative_latency;   /* quotes whose ta was later than our clock (recorded as 0) */
    uint64_t reconnects;         /* connections opened again after a close (--reconnect, --churn-per-s) */
    uint64_t reconnect_failed;   /* reconnection attempts that failed (each is retried after a backoff) */
    uint64_t churned;            /* open connections this client closed on purpose (--churn-per-s) */
    uint64_t slow_messages;      /* quotes received by slow consumers (not in the latency histogram) */
    uint64_t stale_after_snapshot; /* of duplicates: quotes not above the seq a snapshot had just set */
} counters_t;

/* A small string → count table (close codes, error codes, failure reasons). */
#define TALLY_KEYS 32
#define TALLY_KEY_LEN 64
typedef struct {
    char key[TALLY_KEYS][TALLY_KEY_LEN];
    uint64_t count[TALLY_KEYS];
    unsigned n;
    uint64_t overflow; /* adds that found the table full */
} tally_t;

void tally_add(tally_t *t, const char *key, size_t len);
void tally_write_json(const tally_t *t, FILE *out);

extern const char *const msg_type_names[MT_COUNT];

/* Writes "name":{...} style fields of c (no surrounding braces). */
void counters_write_fields(const counters_t *c, FILE *out);

/* dst = a - b, field by field. */
void counters_diff(counters_t *dst, const counters_t *a, const counters_t *b);

/* Writes s as a JSON string, escaping what must be escaped. */
void json_write_string(FILE *out, const char *s, size_t len);

#endif

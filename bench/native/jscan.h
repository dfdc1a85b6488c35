/*
 * A cheap scan of Bourse server frames: a frame holds one JSON object or an
 * array of objects, and the generator needs only a few top-level fields of
 * each ("type", "symbol", "seq", "ts", "ta", "code"). This is not a validating JSON
 * parser: it walks key/value pairs of each message object, reads the values
 * it wants and skips the others whole (strings, numbers, nested objects such
 * as a snapshot's "bar"), so nested keys are never mistaken for fields.
 * Malformed input never reads outside [p, p+n); it only yields odd messages.
 */
#ifndef WSLOAD_JSCAN_H
#define WSLOAD_JSCAN_H

#include <stddef.h>
#include <stdint.h>

enum {
    JF_TYPE = 1,
    JF_SYMBOL = 2,
    JF_SEQ = 4,
    JF_TA = 8,
    JF_CODE = 16,
    JF_TS = 32,
};

typedef struct {
    unsigned have; /* JF_* bits of the fields found */
    const char *type;
    size_t type_len;
    const char *symbol;
    size_t symbol_len;
    const char *code;
    size_t code_len;
    int64_t seq;
    double ta;
    double ts;
} jmsg_t;

typedef void (*jmsg_fn)(void *ctx, const jmsg_t *m);

/*
 * Calls fn once per message object in the frame (also for one cut short,
 * with the fields found so far). A single-object frame stops early
 * once type, symbol, seq, ts and ta are known (the rest of a quote is skipped).
 * Returns the number of messages seen.
 */
unsigned jscan_frame(const char *p, size_t n, jmsg_fn fn, void *ctx);

#endif

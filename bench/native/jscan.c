#include "jscan.h"

#include <stdlib.h>
#include <string.h>

#define ALL_QUOTE_FIELDS (JF_TYPE | JF_SYMBOL | JF_SEQ | JF_TA)

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* p is just past an opening quote; returns just past the closing one (or end). */
static const char *skip_string(const char *p, const char *end)
{
    while (p < end) {
        char ch = *p++;
        if (ch == '"')
            return p;
        if (ch == '\\')
            p++;
    }
    return end;
}

/* Reads a string value without escapes; returns 0 if the value is not such a string. */
static int read_plain_string(const char **pp, const char *end, const char **s, size_t *len)
{
    const char *p = *pp;
    if (p >= end || *p != '"')
        return 0;
    const char *start = ++p;
    while (p < end && *p != '"' && *p != '\\')
        p++;
    if (p >= end || *p != '"')
        return 0;
    *s = start;
    *len = (size_t)(p - start);
    *pp = p + 1;
    return 1;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int read_int(const char **pp, const char *end, int64_t *out)
{
    const char *p = *pp;
    int neg = p < end && *p == '-';
    if (neg)
        p++;
    if (p >= end || !is_digit(*p))
        return 0;
    int64_t v = 0;
    while (p < end && is_digit(*p))
        v = v * 10 + (*p++ - '0');
    *out = neg ? -v : v;
    *pp = p;
    return 1;
}

/*
 * A JSON number as a double. Millisecond timestamps with a fraction
 * (1732000000000.123) take the fast path; an exponent falls back to strtod.
 */
static int read_double(const char **pp, const char *end, double *out)
{
    const char *start = *pp, *p = start;
    int neg = p < end && *p == '-';
    if (neg)
        p++;
    if (p >= end || !is_digit(*p))
        return 0;
    uint64_t ip = 0;
    while (p < end && is_digit(*p))
        ip = ip * 10 + (uint64_t)(*p++ - '0');
    double v = (double)ip;
    if (p < end && *p == '.') {
        p++;
        uint64_t frac = 0, scale = 1;
        for (; p < end && is_digit(*p); p++) {
            if (scale < 1000000000000ull) { /* more digits than this cannot matter */
                frac = frac * 10 + (uint64_t)(*p - '0');
                scale *= 10;
            }
        }
        v += (double)frac / (double)scale;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        char tmp[64];
        size_t n = 0;
        for (p = start; p < end && n < sizeof tmp - 1 && (is_digit(*p) || strchr("+-.eE", *p)); p++)
            tmp[n++] = *p;
        tmp[n] = '\0';
        v = strtod(tmp, NULL);
        *out = v;
        *pp = p;
        return 1;
    }
    *out = neg ? -v : v;
    *pp = p;
    return 1;
}

static int key_is(const char *k, size_t len, const char *want, size_t want_len)
{
    return len == want_len && memcmp(k, want, len) == 0;
}

/* Parses the value of a field we care about; p is at the value. */
static const char *read_field(jmsg_t *m, const char *key, size_t klen, const char *p, const char *end)
{
    switch (klen) {
    case 2:
        if (key_is(key, klen, "ta", 2) && read_double(&p, end, &m->ta))
            m->have |= JF_TA;
        break;
    case 3:
        if (key_is(key, klen, "seq", 3) && read_int(&p, end, &m->seq))
            m->have |= JF_SEQ;
        break;
    case 4:
        if (key_is(key, klen, "type", 4) && read_plain_string(&p, end, &m->type, &m->type_len))
            m->have |= JF_TYPE;
        else if (key_is(key, klen, "code", 4) && read_plain_string(&p, end, &m->code, &m->code_len))
            m->have |= JF_CODE;
        break;
    case 6:
        if (key_is(key, klen, "symbol", 6) && read_plain_string(&p, end, &m->symbol, &m->symbol_len))
            m->have |= JF_SYMBOL;
        break;
    default:
        break;
    }
    return p;
}

unsigned jscan_frame(const char *p, size_t n, jmsg_fn fn, void *ctx)
{
    const char *end = p + n;
    p = skip_ws(p, end);
    if (p >= end)
        return 0;
    /* Depth at which a message's own keys live: 1 in {...}, 2 in [{...},...]. */
    int msg_depth = *p == '[' ? 2 : 1;
    int depth = 0;
    int expect_key = 0;
    unsigned count = 0;
    jmsg_t m;
    memset(&m, 0, sizeof m);

    while (p < end) {
        char ch = *p++;
        switch (ch) {
        case '{':
        case '[':
            depth++;
            expect_key = ch == '{' && depth == msg_depth;
            if (expect_key)
                memset(&m, 0, sizeof m);
            break;
        case '}':
        case ']':
            if (ch == '}' && depth == msg_depth) {
                fn(ctx, &m);
                count++;
            }
            depth--;
            expect_key = 0;
            break;
        case ',':
            expect_key = depth == msg_depth;
            break;
        case '"': {
            const char *s = p;
            p = skip_string(p, end);
            if (!expect_key)
                break;
            expect_key = 0;
            size_t klen = (size_t)(p - 1 - s);
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                break;
            p = skip_ws(p + 1, end);
            p = read_field(&m, s, klen, p, end);
            if (msg_depth == 1 && (m.have & ALL_QUOTE_FIELDS) == ALL_QUOTE_FIELDS) {
                fn(ctx, &m);
                return count + 1;
            }
            break;
        }
        default:
            break;
        }
    }
    return count;
}

#include "jscan.h"

#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

#ifdef __SSE2__
/* Bit i set where p[i] is one of the given bytes, for the 16 bytes at p. */
static inline unsigned match16(const char *p, char a, char b, char c, char d, char e)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i ab = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(a)), _mm_cmpeq_epi8(v, _mm_set1_epi8(b)));
    __m128i cd = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(c)), _mm_cmpeq_epi8(v, _mm_set1_epi8(d)));
    __m128i hit = _mm_or_si128(_mm_or_si128(ab, cd), _mm_cmpeq_epi8(v, _mm_set1_epi8(e)));
    return (unsigned)_mm_movemask_epi8(hit);
}
#endif

/*
 * First byte in [p, end) equal to one of a..e, or end. Every skip in this
 * file is such a search, so on x86-64 it looks at 16 bytes per step (SSE2 is
 * part of the baseline ABI there); elsewhere, and for the tail, byte by byte.
 * Repeat a byte to search for fewer than five.
 */
static inline const char *find_any(const char *p, const char *end, char a, char b, char c, char d, char e)
{
#ifdef __SSE2__
    for (; end - p >= 16; p += 16) {
        unsigned mask = match16(p, a, b, c, d, e);
        if (mask)
            return p + __builtin_ctz(mask);
    }
#endif
    while (p < end && *p != a && *p != b && *p != c && *p != d && *p != e)
        p++;
    return p;
}

/* p is just past an opening quote; returns just past the closing one (or end). */
static const char *skip_string(const char *p, const char *end)
{
    for (;;) {
        p = find_any(p, end, '"', '\\', '"', '"', '"');
        if (p >= end)
            return end;
        if (*p == '"')
            return p + 1;
        p += 2; /* a backslash escapes the next byte, whatever it is */
    }
}

/* First quote or bracket in [p, end): all that skipping the rest of a message looks at. */
static const char *find_structural(const char *p, const char *end)
{
    return find_any(p, end, '"', '{', '}', '[', ']');
}

/* p is inside an object (depth 1); returns the byte after its closing brace, or NULL. */
static const char *skip_rest_of_object(const char *p, const char *end)
{
    int depth = 1;
    for (;;) {
        p = find_structural(p, end);
        if (p >= end)
            return NULL;
        char ch = *p++;
        if (ch == '"')
            p = skip_string(p, end);
        else if (ch == '{' || ch == '[')
            depth++;
        else if (--depth == 0)
            return p;
    }
}

/* The fields a message of this type is read for; once they are known the rest is skipped. */
static unsigned wanted_fields(const jmsg_t *m)
{
    if (!(m->have & JF_TYPE))
        return ~0u;
    switch (m->type_len) {
    case 5:
        if (memcmp(m->type, "quote", 5) == 0)
            return JF_TYPE | JF_SYMBOL | JF_SEQ | JF_TS | JF_TA;
        if (memcmp(m->type, "error", 5) == 0)
            return JF_TYPE | JF_CODE;
        break;
    case 6:
        if (memcmp(m->type, "trades", 6) == 0)
            return JF_TYPE | JF_SYMBOL | JF_SEQ | JF_TS | JF_TA;
        break;
    case 8:
        if (memcmp(m->type, "snapshot", 8) == 0)
            return JF_TYPE | JF_SYMBOL | JF_SEQ;
        break;
    }
    return JF_TYPE;
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
        else if (key_is(key, klen, "ts", 2) && read_double(&p, end, &m->ts))
            m->have |= JF_TS;
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

/* Skips one JSON value of any kind; returns the first byte after it (or end). */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return end;
    if (*p == '"')
        return skip_string(p + 1, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        while (p < end) {
            char ch = *p++;
            if (ch == '"')
                p = skip_string(p, end);
            else if (ch == '{' || ch == '[')
                depth++;
            else if ((ch == '}' || ch == ']') && --depth == 0)
                return p;
        }
        return end;
    }
    /* A number or a literal: it ends where the enclosing container continues. */
    return find_any(p, end, ',', '}', ']', ',', ',');
}

/*
 * Scans the object at p (which is '{') into m and returns the byte after its
 * closing brace, or NULL if the object is cut short or malformed. As soon as
 * the fields its type needs are known, the rest is skipped without looking
 * at keys; with whole_object unset (a frame of one message) it is not even
 * skipped, and the return value is then only "not NULL".
 */
static const char *scan_object(const char *p, const char *end, jmsg_t *m, int whole_object)
{
    memset(m, 0, sizeof *m);
    unsigned wanted = ~0u;
    p++;
    for (;;) {
        p = skip_ws(p, end);
        if (p >= end)
            return NULL;
        if (*p == '}')
            return p + 1;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p != '"')
            return NULL;
        const char *key = p + 1;
        p = skip_string(key, end);
        if (p >= end)
            return NULL;
        size_t klen = (size_t)(p - 1 - key);
        p = skip_ws(p, end);
        if (p >= end || *p != ':')
            return NULL;
        p = skip_ws(p + 1, end);
        unsigned had = m->have;
        const char *after = read_field(m, key, klen, p, end);
        if (m->have != had) {
            if ((had ^ m->have) & JF_TYPE)
                wanted = wanted_fields(m);
            if ((m->have & wanted) == wanted)
                return whole_object ? skip_rest_of_object(after, end) : after;
        }
        /* An unparsed value is skipped whole; after a parsed one this stops at once. */
        p = skip_value(after, end);
    }
}

unsigned jscan_frame(const char *p, size_t n, jmsg_fn fn, void *ctx)
{
    const char *end = p + n;
    jmsg_t m;
    p = skip_ws(p, end);
    if (p >= end)
        return 0;
    if (*p == '{') {
        /* One message: reading stops once the fields its type needs are known. */
        scan_object(p, end, &m, 0);
        fn(ctx, &m);
        return 1;
    }
    if (*p != '[')
        return 0;
    unsigned count = 0;
    for (p++;;) {
        p = skip_ws(p, end);
        if (p >= end || *p == ']')
            return count;
        if (*p == ',') {
            p++;
        } else if (*p == '{') {
            p = scan_object(p, end, &m, 1);
            fn(ctx, &m);
            count++;
            if (!p)
                return count;
        } else {
            p = skip_value(p, end); /* not a message; ignore it */
        }
    }
}

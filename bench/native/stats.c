#include "stats.h"

#include <string.h>

const char *const msg_type_names[MT_COUNT] = {"snapshot", "quote", "trades", "bar", "error", "pong", "other"};

void tally_add(tally_t *t, const char *key, size_t len)
{
    if (len >= TALLY_KEY_LEN)
        len = TALLY_KEY_LEN - 1;
    for (unsigned i = 0; i < t->n; i++) {
        if (strncmp(t->key[i], key, len) == 0 && t->key[i][len] == '\0') {
            t->count[i]++;
            return;
        }
    }
    if (t->n == TALLY_KEYS) {
        t->overflow++;
        return;
    }
    memcpy(t->key[t->n], key, len);
    t->key[t->n][len] = '\0';
    t->count[t->n++] = 1;
}

void json_write_string(FILE *out, const char *s, size_t len)
{
    fputc('"', out);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(out, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(out, "\\u%04x", ch);
        else
            fputc(ch, out);
    }
    fputc('"', out);
}

void tally_write_json(const tally_t *t, FILE *out)
{
    fputc('{', out);
    for (unsigned i = 0; i < t->n; i++) {
        if (i)
            fputc(',', out);
        json_write_string(out, t->key[i], strlen(t->key[i]));
        fprintf(out, ":%llu", (unsigned long long)t->count[i]);
    }
    if (t->overflow)
        fprintf(out, "%s\"(other)\":%llu", t->n ? "," : "", (unsigned long long)t->overflow);
    fputc('}', out);
}

void counters_write_fields(const counters_t *c, FILE *out)
{
    fputs("\"messages\":{", out);
    for (int i = 0; i < MT_COUNT; i++)
        fprintf(out, "%s\"%s\":%llu", i ? "," : "", msg_type_names[i], (unsigned long long)c->messages[i]);
    fprintf(out,
            "},\"frames\":%llu,\"bytes\":%llu,\"reads\":%llu,\"gaps\":%llu,\"duplicates\":%llu,"
            "\"unknownSymbol\":%llu,\"pings\":%llu,\"negativeLatency\":%llu,\"reconnects\":%llu,"
            "\"reconnectFailed\":%llu,\"churned\":%llu,\"slowMessages\":%llu,\"staleAfterSnapshot\":%llu",
            (unsigned long long)c->frames, (unsigned long long)c->bytes, (unsigned long long)c->reads,
            (unsigned long long)c->gaps, (unsigned long long)c->duplicates, (unsigned long long)c->unknown_symbol,
            (unsigned long long)c->pings, (unsigned long long)c->negative_latency,
            (unsigned long long)c->reconnects, (unsigned long long)c->reconnect_failed, (unsigned long long)c->churned,
            (unsigned long long)c->slow_messages, (unsigned long long)c->stale_after_snapshot);
}

void counters_diff(counters_t *dst, const counters_t *a, const counters_t *b)
{
    /* counters_t is all uint64_t, so field-wise subtraction can walk it as an array. */
    const uint64_t *pa = (const uint64_t *)a, *pb = (const uint64_t *)b;
    uint64_t *pd = (uint64_t *)dst;
    for (size_t i = 0; i < sizeof *a / sizeof(uint64_t); i++)
        pd[i] = pa[i] - pb[i];
}

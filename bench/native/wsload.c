/*
 * wsload: the native half of `npm run bench:ws`.
 *
 * One process, one thread, one epoll loop holding up to a few thousand
 * WebSocket client connections to a Bourse-protocol server. Each connection
 * does the opening handshake, subscribes to its share of the symbols, then
 * only reads: it reassembles frames, answers pings, scans each JSON message
 * for type/symbol/seq/ta, checks per-symbol sequence continuity and records
 * tick-to-wire latency (our CLOCK_REALTIME at read time minus the server's
 * `ta`). The Node orchestrator (bench/load/client-fleet.ts) starts several of
 * these, talks to them over stdin ("mark", "stop") and reads JSON lines from
 * stdout ("started", "progress", "connected", "marked", "summary").
 *
 * Cost matters more than generality: on a 2-core box the generator competes
 * with the server it measures. So: edge-triggered epoll with (usually) one
 * recv() per ready socket into a shared buffer, no per-message allocation, no
 * JSON parser, and the clock read once per recv() rather than per message.
 * Most of what remains is the kernel's: the copy, and the ACK each drained
 * read sends (which loopback processes on our CPU).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hist.h"
#include "jscan.h"
#include "sha1.h"
#include "stats.h"
#include "wsframe.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define READ_BUF_SIZE (256 * 1024)
#define MAX_FRAME (16u * 1024 * 1024)   /* a larger server frame is a protocol error */
#define MAX_HANDSHAKE_RESPONSE 16384
#define MAX_SYMBOLS_PER_SUBSCRIBE 500   /* the server's per-message limit (core/protocol) */
#define MAX_EVENTS 1024
#define LINEAR_LOOKUP_MAX 16            /* subscriptions up to this many: linear search */

/* ---------- options ---------- */

typedef struct {
    const char *host;
    int port;
    const char *path;
    const char *protocol;     /* Sec-WebSocket-Protocol; "" sends none */
    unsigned connections;     /* connections this process opens */
    unsigned conn_offset;     /* global index of our first connection (symbol and source assignment) */
    const char *symbols_file; /* one symbol per line, the whole universe used by the run */
    unsigned symbols_per_conn;
    double ramp;              /* connection attempts per second; 0 = only max_pending limits */
    unsigned max_pending;     /* connections in TCP connect or handshake at once */
    unsigned src_base;        /* source addresses 127.0.0.<src_base + i % src_count> */
    unsigned src_count;       /* 0 = let the kernel pick the source address */
    unsigned report_ms;
    unsigned connect_timeout_ms;
    unsigned hot_permille;    /* share of connections (per mille) that subscribe only to the hot symbols */
    unsigned hot_symbols;     /* the hot set: the first N symbols of the file */
    unsigned slow_permille;   /* share of connections (per mille) that read slowly */
    unsigned slow_bps;        /* a slow connection reads at most this many bytes per second */
    unsigned churn_per_s;     /* open connections closed (and reopened) per second, spread evenly */
    int reconnect;            /* reopen connections the server closed, with a short randomised backoff */
    int socketio;             /* speak Engine.IO v4 / Socket.IO v5 framing over the WebSocket */
} options_t;

/* ---------- connections ---------- */

enum conn_state { CS_IDLE, CS_CONNECTING, CS_HANDSHAKE, CS_OPEN, CS_DONE, CS_RETRY };

typedef struct {
    int32_t sym;  /* index into the symbol table */
    int64_t seq;  /* last seq seen; -1 before the first snapshot or quote */
    int32_t by_snapshot; /* seq was last set by a snapshot */
} sub_t;

typedef struct {
    int fd;
    uint8_t state;
    uint8_t frag_opcode;      /* opcode of the fragmented message being reassembled; 0 = none */
    uint8_t slow;             /* reads at most slow_bps (on a timer) once open */
    uint8_t reopening;        /* this attempt is a reconnection */
    uint32_t index;           /* global connection index */
    uint32_t nsubs;           /* entries in subs */
    uint64_t retry_at_ns;     /* CS_RETRY: when to try again */
    uint64_t started_ns;      /* connect() time, monotonic */
    uint8_t *carry;           /* bytes of an incomplete frame (or handshake response) */
    uint32_t carry_len, carry_cap, carry_need;
    uint8_t *msg;             /* payload of a fragmented message so far */
    uint32_t msg_len, msg_cap;
    uint8_t *out;             /* bytes the socket did not take yet */
    uint32_t out_len, out_cap;
    sub_t *subs;              /* symbols_per_conn entries, sorted by sym */
    char key[25];             /* Sec-WebSocket-Key (Base64 of 16 random bytes) */
} conn_t;

/* ---------- process state ---------- */

static struct {
    options_t opt;
    struct sockaddr_in server;
    char host_header[300];
    int ep;
    int stopping;
    conn_t *conns;
    unsigned started, pending, open, failed, closed;
    unsigned pending_reopen;  /* of pending: reconnection attempts */
    int connected_reported;
    uint64_t t0_ns;
    uint64_t next_report_ns, next_timeout_check_ns;
    double now_ms;            /* CLOCK_REALTIME in ms, read after each recv() */
    uint8_t *rbuf;
    uint64_t rng;

    /* symbols */
    char **sym_names;
    uint32_t *sym_len;
    unsigned nsym;
    int32_t *sym_table;       /* open addressing: symbol index or -1 */
    uint32_t sym_mask;

    /* statistics */
    counters_t c;
    counters_t c_at_mark;
    int marked;
    uint64_t mark_ns;
    double cpu_at_mark_ms;
    hist_t latency;           /* tick-to-wire, µs; reset at "mark" */
    hist_t interval_latency;  /* tick-to-wire since the last progress line, µs */
    hist_t slow_latency;      /* tick-to-wire of slow consumers, µs; reset at "mark" */
    hist_t frame_latency;     /* frame-to-wire: read time minus the frame's "ts" (when the server built it), µs; fast consumers; reset at "mark" */
    uint32_t *queue;          /* connections waiting to be reopened (ring of indices into conns) */
    unsigned q_head, q_len;
    uint64_t next_churn_ns, next_slow_ns, next_retry_check_ns;
    hist_t connect_time;      /* connect() to 101 response, µs */
    tally_t closes;           /* close codes received (or 1006 for a drop without a close frame) */
    tally_t errors;           /* error message codes received */
    tally_t failures;         /* why connection attempts failed */
    tally_t protocol_errors;  /* why we closed an open connection (we then send close 1002) */
    char stdin_buf[256];
    size_t stdin_len;
} g;

static int stdin_tag; /* epoll data.ptr for stdin */
static volatile sig_atomic_t got_signal;

/* ---------- small helpers ---------- */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double cpu_ms(double *user, double *sys)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double u = ru.ru_utime.tv_sec * 1e3 + ru.ru_utime.tv_usec / 1e3;
    double s = ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
    if (user)
        *user = u;
    if (sys)
        *sys = s;
    return u + s;
}

static uint64_t rng_next(void)
{
    /* xorshift64*: masking keys and handshake nonces need unpredictability from
       caches, not from attackers. */
    g.rng ^= g.rng >> 12;
    g.rng ^= g.rng << 25;
    g.rng ^= g.rng >> 27;
    return g.rng * 0x2545F4914F6CDD1Dull;
}

static void die(const char *fmt, const char *arg)
{
    fprintf(stderr, "wsload: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    exit(2);
}

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q && n)
        die("out of memory%s", "");
    return q;
}

static double elapsed_ms(uint64_t now) { return (double)(now - g.t0_ns) / 1e6; }

/* ---------- symbols ---------- */

static uint32_t hash_bytes(const char *s, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static int32_t symbol_lookup(const char *s, size_t n)
{
    for (uint32_t i = hash_bytes(s, n) & g.sym_mask;; i = (i + 1) & g.sym_mask) {
        int32_t id = g.sym_table[i];
        if (id < 0)
            return -1;
        if (g.sym_len[id] == n && memcmp(g.sym_names[id], s, n) == 0)
            return id;
    }
}

static void load_symbols(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot open symbols file %s", path);
    char line[256];
    unsigned cap = 0;
    while (fgets(line, sizeof line, f)) {
        size_t n = strcspn(line, "\r\n");
        if (n == 0)
            continue;
        if (g.nsym == cap) {
            cap = cap ? cap * 2 : 1024;
            g.sym_names = xrealloc(g.sym_names, cap * sizeof *g.sym_names);
            g.sym_len = xrealloc(g.sym_len, cap * sizeof *g.sym_len);
        }
        g.sym_names[g.nsym] = strndup(line, n);
        g.sym_len[g.nsym++] = (uint32_t)n;
    }
    fclose(f);
    if (g.nsym == 0)
        die("no symbols in %s", path);

    uint32_t size = 1;
    while (size < g.nsym * 2)
        size <<= 1;
    g.sym_mask = size - 1;
    g.sym_table = xrealloc(NULL, size * sizeof *g.sym_table);
    for (uint32_t i = 0; i < size; i++)
        g.sym_table[i] = -1;
    for (unsigned id = 0; id < g.nsym; id++) {
        uint32_t i = hash_bytes(g.sym_names[id], g.sym_len[id]) & g.sym_mask;
        while (g.sym_table[i] >= 0)
            i = (i + 1) & g.sym_mask;
        g.sym_table[i] = (int32_t)id;
    }
}

static int cmp_sub(const void *a, const void *b)
{
    return ((const sub_t *)a)->sym - ((const sub_t *)b)->sym;
}

/* A stable per-connection draw in [0, 1000): the same connection is hot (or slow) in every process split. */
static unsigned permille_of(uint32_t index, uint32_t salt)
{
    uint64_t x = ((uint64_t)index + 1) * 0x9E3779B97F4A7C15ull ^ ((uint64_t)salt << 32);
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    x ^= x >> 29;
    return (unsigned)(x % 1000);
}

/*
 * Connection g subscribes to symbols (g*K + j) mod N, j < K: every symbol gets
 * the same share. A hot connection (--hot-share) takes min(K, H) symbols of the
 * first H instead, so most of the fan-out lands on a few topics.
 */
static void assign_subscriptions(conn_t *c)
{
    unsigned k = g.opt.symbols_per_conn;
    unsigned n = g.nsym;
    if (g.opt.hot_permille && permille_of(c->index, 1) < g.opt.hot_permille) {
        n = g.opt.hot_symbols;
        if (k > n)
            k = n;
    }
    c->nsubs = k;
    c->slow = g.opt.slow_permille && permille_of(c->index, 2) < g.opt.slow_permille;
    c->subs = k ? xrealloc(NULL, k * sizeof *c->subs) : NULL;
    for (unsigned j = 0; j < k; j++) {
        c->subs[j].sym = (int32_t)(((uint64_t)c->index * k + j) % n);
        c->subs[j].seq = -1;
        c->subs[j].by_snapshot = 0;
    }
    if (k)
        qsort(c->subs, k, sizeof *c->subs, cmp_sub);
}

static sub_t *find_sub(conn_t *c, int32_t sym)
{
    unsigned k = c->nsubs;
    if (k <= LINEAR_LOOKUP_MAX) {
        for (unsigned j = 0; j < k; j++)
            if (c->subs[j].sym == sym)
                return &c->subs[j];
        return NULL;
    }
    unsigned lo = 0, hi = k;
    while (lo < hi) {
        unsigned mid = (lo + hi) / 2;
        if (c->subs[mid].sym < sym)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < k && c->subs[lo].sym == sym ? &c->subs[lo] : NULL;
}

/* ---------- connection teardown ---------- */

static void release(conn_t *c)
{
    if (c->fd >= 0)
        close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
    free(c->carry);
    free(c->msg);
    free(c->out);
    c->carry = c->msg = c->out = NULL;
    c->carry_len = c->carry_cap = c->msg_len = c->msg_cap = c->out_len = c->out_cap = 0;
    c->state = CS_DONE;
}

static void enqueue(conn_t *c)
{
    g.queue[(g.q_head + g.q_len++) % g.opt.connections] = (uint32_t)(c - g.conns);
}

/* A failed reconnection tries again after 100-600 ms (a server restart refuses connections for a while). */
static void schedule_retry(conn_t *c)
{
    c->state = CS_RETRY;
    c->retry_at_ns = mono_ns() + 100000000ull + rng_next() % 500000000ull;
}

/* A connection attempt that never reached the open state. */
static void fail(conn_t *c, const char *reason)
{
    if (c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) {
        g.pending--;
        if (c->reopening)
            g.pending_reopen--;
    }
    if (c->reopening) {
        g.c.reconnect_failed++;
        release(c);
        if (!g.stopping)
            schedule_retry(c);
        return;
    }
    g.failed++;
    tally_add(&g.failures, reason, strlen(reason));
    release(c);
}

/* An open connection ended; code is the close code received (1006: dropped without one). */
static void closed(conn_t *c, unsigned code)
{
    char key[16];
    int n = snprintf(key, sizeof key, "%u", code);
    tally_add(&g.closes, key, (size_t)n);
    g.open--;
    g.closed++;
    release(c);
    if (g.opt.reconnect && !g.stopping)
        enqueue(c);
}

/* ---------- writing ---------- */

/*
 * Sockets are edge-triggered: a level-triggered socket is polled again on the
 * next epoll_wait just to find it drained, and at ~100k reads/s that re-poll
 * was a visible share of the client's CPU. The edge contract (read until
 * drained) is met by recv() returning less than asked for: TCP then had no
 * more queued, and any later arrival raises a new edge.
 */
#define EPOLL_BASE (EPOLLIN | EPOLLET)

static void want_write(conn_t *c, int on)
{
    struct epoll_event ev = {.events = EPOLL_BASE | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(g.ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends bytes, queueing what the socket does not take. Returns -1 if the socket failed. */
static int conn_send(conn_t *c, const void *data, size_t len)
{
    size_t done = 0;
    if (c->out_len == 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return -1;
        done = n > 0 ? (size_t)n : 0;
        if (done == len)
            return 0;
    }
    size_t rest = len - done;
    if (c->out_len + rest > c->out_cap) {
        c->out_cap = (uint32_t)(c->out_len + rest);
        c->out = xrealloc(c->out, c->out_cap);
    }
    memcpy(c->out + c->out_len, (const uint8_t *)data + done, rest);
    c->out_len += (uint32_t)rest;
    want_write(c, 1);
    return 0;
}

static int flush_out(conn_t *c)
{
    ssize_t n = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    if (n < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    memmove(c->out, c->out + n, c->out_len - (size_t)n);
    c->out_len -= (uint32_t)n;
    if (c->out_len == 0)
        want_write(c, 0);
    return 0;
}

static int send_frame(conn_t *c, int opcode, const void *payload, size_t len)
{
    uint8_t stack[256];
    uint8_t *buf = len + WS_MAX_HEADER <= sizeof stack ? stack : xrealloc(NULL, len + WS_MAX_HEADER);
    size_t n = ws_encode_client_frame(buf, opcode, payload, len, (uint32_t)rng_next());
    int rc = conn_send(c, buf, n);
    if (buf != stack)
        free(buf);
    return rc;
}

/* {"op":"subscribe","symbols":[...],"channels":["quotes"]}, in messages of at most 500 symbols. */
static int send_subscribe(conn_t *c)
{
    unsigned k = c->nsubs;
    /* Socket.IO: the same object as the event's argument, 42["subscribe",{...}]. */
    const char *pre = g.opt.socketio ? "42[\"subscribe\"," : "";
    const char *post = g.opt.socketio ? "]" : "";
    for (unsigned from = 0; from < k; from += MAX_SYMBOLS_PER_SUBSCRIBE) {
        unsigned to = from + MAX_SYMBOLS_PER_SUBSCRIBE < k ? from + MAX_SYMBOLS_PER_SUBSCRIBE : k;
        size_t cap = 96;
        for (unsigned j = from; j < to; j++)
            cap += g.sym_len[c->subs[j].sym] + 3;
        char *msg = xrealloc(NULL, cap);
        size_t n = (size_t)sprintf(msg, "%s{\"op\":\"subscribe\",\"symbols\":[", pre);
        for (unsigned j = from; j < to; j++) {
            int32_t s = c->subs[j].sym;
            n += (size_t)sprintf(msg + n, "%s\"%s\"", j > from ? "," : "", g.sym_names[s]);
        }
        n += (size_t)sprintf(msg + n, "],\"channels\":[\"quotes\"]}%s", post);
        int rc = send_frame(c, WS_OP_TEXT, msg, n);
        free(msg);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* ---------- connecting ---------- */

static void send_handshake(conn_t *c)
{
    uint8_t nonce[16];
    uint64_t a = rng_next(), b = rng_next();
    memcpy(nonce, &a, 8);
    memcpy(nonce + 8, &b, 8);
    base64_encode(nonce, sizeof nonce, c->key);

    char req[1024];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\n"
                     "Host: %s\r\n"
                     "Upgrade: websocket\r\n"
                     "Connection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\n"
                     "Sec-WebSocket-Version: 13\r\n"
                     "%s%s%s"
                     "\r\n",
                     g.opt.path, g.host_header, c->key, *g.opt.protocol ? "Sec-WebSocket-Protocol: " : "",
                     g.opt.protocol, *g.opt.protocol ? "\r\n" : "");
    c->state = CS_HANDSHAKE;
    want_write(c, 0);
    if (conn_send(c, req, (size_t)n) < 0)
        fail(c, "handshake: send failed");
}

static void start_connection(conn_t *c, int reopening)
{
    if (!reopening)
        g.started++;
    c->reopening = (uint8_t)reopening;
    if (reopening)
        for (unsigned j = 0; j < c->nsubs; j++)
            c->subs[j].seq = -1; /* a restarted server may number from scratch: the snapshot sets the baseline */
    g.pending++;
    if (reopening)
        g.pending_reopen++;
    c->state = CS_CONNECTING;
    c->started_ns = mono_ns();
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        fail(c, errno == EMFILE || errno == ENFILE ? "socket: too many open files" : "socket: failed");
        return;
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (g.opt.src_count) {
        /* Spread connections over several loopback source addresses so the
           ephemeral port range (~28k ports) limits each address, not the run.
           IP_BIND_ADDRESS_NO_PORT defers the port choice to connect(), which can
           then reuse a port that is busy towards another destination. */
        setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        struct sockaddr_in src = {.sin_family = AF_INET};
        unsigned last = g.opt.src_base + c->index % g.opt.src_count;
        src.sin_addr.s_addr = htonl((127u << 24) | ((last >> 16) & 0xFF) << 16 | ((last >> 8) & 0xFF) << 8 | (last & 0xFF));
        if (bind(c->fd, (struct sockaddr *)&src, sizeof src) < 0) {
            fail(c, "bind: source address unavailable");
            return;
        }
    }
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLET, .data.ptr = c};
    if (epoll_ctl(g.ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        fail(c, "epoll_ctl: failed");
        return;
    }
    if (connect(c->fd, (struct sockaddr *)&g.server, sizeof g.server) < 0 && errno != EINPROGRESS) {
        fail(c, errno == EADDRNOTAVAIL ? "connect: no free source port" : errno == ECONNREFUSED ? "connect: refused" : "connect: failed");
        return;
    }
    /* Completion (or failure) shows up as EPOLLOUT. */
}

static void on_connect_ready(conn_t *c)
{
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) {
        fail(c, err == ECONNREFUSED ? "connect: refused" : err == ETIMEDOUT ? "connect: timed out" : "connect: failed");
        return;
    }
    send_handshake(c);
}

/* Case-insensitive header lookup in an HTTP response head; returns the value and its length. */
static const char *header_value(const char *head, size_t head_len, const char *name, size_t *len)
{
    size_t nlen = strlen(name);
    const char *p = head, *end = head + head_len;
    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
            const char *v = p + nlen + 1;
            while (v < eol && (*v == ' ' || *v == '\t'))
                v++;
            const char *ve = eol;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            *len = (size_t)(ve - v);
            return v;
        }
        p = eol + 2;
    }
    return NULL;
}

/* Checks the 101 response; returns bytes of the response head, 0 if incomplete, -1 if it failed. */
static long finish_handshake(conn_t *c, uint8_t *buf, size_t len)
{
    const char *head = (const char *)buf;
    const char *end = memmem(head, len, "\r\n\r\n", 4);
    if (!end) {
        if (len > MAX_HANDSHAKE_RESPONSE) {
            fail(c, "handshake: response too large");
            return -1;
        }
        c->carry_need = (uint32_t)len + 1;
        return 0;
    }
    size_t head_len = (size_t)(end - head) + 4;
    if (head_len < 12 || memcmp(head, "HTTP/1.1 101", 12) != 0) {
        char reason[TALLY_KEY_LEN];
        size_t sl = strcspn(head, "\r\n");
        snprintf(reason, sizeof reason, "handshake: %.*s", (int)(sl < 40 ? sl : 40), head);
        fail(c, reason);
        return -1;
    }
    char expected[29];
    ws_accept_for_key(c->key, expected);
    size_t vlen;
    const char *v = header_value(head, head_len, "sec-websocket-accept", &vlen);
    if (!v || vlen != 28 || memcmp(v, expected, 28) != 0) {
        fail(c, "handshake: bad Sec-WebSocket-Accept");
        return -1;
    }
    if (*g.opt.protocol) {
        v = header_value(head, head_len, "sec-websocket-protocol", &vlen);
        if (!v || vlen != strlen(g.opt.protocol) || memcmp(v, g.opt.protocol, vlen) != 0) {
            fail(c, "handshake: sub-protocol not accepted");
            return -1;
        }
    }
    hist_record(&g.connect_time, (mono_ns() - c->started_ns) / 1000);
    c->state = CS_OPEN;
    g.pending--;
    g.open++;
    if (c->reopening) {
        g.c.reconnects++;
        g.pending_reopen--;
    }
    /* Socket.IO subscribes once the Engine.IO open packet has come (see on_socketio). */
    if (!g.opt.socketio && send_subscribe(c) < 0) {
        closed(c, 1006);
        return -1;
    }
    return (long)head_len;
}

/* ---------- receiving ---------- */

static enum msg_type classify(const jmsg_t *m)
{
    if (!(m->have & JF_TYPE))
        return MT_OTHER;
    switch (m->type_len) {
    case 3:
        return memcmp(m->type, "bar", 3) == 0 ? MT_BAR : MT_OTHER;
    case 4:
        return memcmp(m->type, "pong", 4) == 0 ? MT_PONG : MT_OTHER;
    case 5:
        if (memcmp(m->type, "quote", 5) == 0)
            return MT_QUOTE;
        return memcmp(m->type, "error", 5) == 0 ? MT_ERROR : MT_OTHER;
    case 6:
        return memcmp(m->type, "trades", 6) == 0 ? MT_TRADES : MT_OTHER;
    case 8:
        return memcmp(m->type, "snapshot", 8) == 0 ? MT_SNAPSHOT : MT_OTHER;
    default:
        return MT_OTHER;
    }
}

/* One JSON message of a frame (jscan callback). */
static void on_message(void *ctx, const jmsg_t *m)
{
    conn_t *c = ctx;
    enum msg_type t = classify(m);
    g.c.messages[t]++;
    if (t == MT_ERROR) {
        if (m->have & JF_CODE)
            tally_add(&g.errors, m->code, m->code_len);
        else
            tally_add(&g.errors, "(none)", 6);
        return;
    }
    if (t != MT_QUOTE && t != MT_SNAPSHOT)
        return;
    if ((m->have & (JF_SYMBOL | JF_SEQ)) != (JF_SYMBOL | JF_SEQ))
        return;
    int32_t id = symbol_lookup(m->symbol, m->symbol_len);
    sub_t *s = id >= 0 ? find_sub(c, id) : NULL;
    if (!s) {
        g.c.unknown_symbol++;
        return;
    }
    if (t == MT_SNAPSHOT) {
        /* A snapshot carries the symbol's current seq: the next quote is seq+1. */
        if (m->seq > s->seq) {
            s->seq = m->seq;
            s->by_snapshot = 1;
        }
        return;
    }
    if (s->seq < 0)
        s->seq = m->seq; /* quote before any snapshot: take it as the baseline */
    else if (m->seq <= s->seq) {
        g.c.duplicates++;
        if (s->by_snapshot)
            g.c.stale_after_snapshot++;
    } else {
        g.c.gaps += (uint64_t)(m->seq - s->seq - 1);
        s->seq = m->seq;
        s->by_snapshot = 0;
    }
    if (m->have & JF_TA) {
        double us = (g.now_ms - m->ta) * 1000.0;
        if (us < 0) {
            g.c.negative_latency++;
            us = 0;
        }
        if (c->slow) {
            g.c.slow_messages++;
            hist_record(&g.slow_latency, (uint64_t)us);
        } else {
            hist_record(&g.latency, (uint64_t)us);
            hist_record(&g.interval_latency, (uint64_t)us);
        }
    }
    /* Frame-to-wire: from when the server built the frame (its flush), leaving out the conflation wait that
       "ta" (the earliest tick the frame conflates) includes; for the same frames as tick-to-wire (a quote
       with no tick in it, e.g. one a bar close republished, has no ta). A peer that stamps ta = ts measures
       the same twice. */
    if ((m->have & (JF_TS | JF_TA)) == (JF_TS | JF_TA) && !c->slow) {
        double us = (g.now_ms - m->ts) * 1000.0;
        hist_record(&g.frame_latency, us < 0 ? 0 : (uint64_t)us);
    }
}

/*
 * Engine.IO v4 packets in text frames: "0{...}" open (we then connect to the
 * main namespace with "40"), "40{...}" namespace connected (we subscribe),
 * "2" ping (we answer "3"), "42[\"event\",{...}]" an event whose object we
 * scan like a plain protocol message.
 */
static int on_socketio(conn_t *c, const uint8_t *p, size_t len)
{
    if (len == 0)
        return 0;
    switch (p[0]) {
    case '0':
        if (send_frame(c, WS_OP_TEXT, "40", 2) < 0) {
            closed(c, 1006);
            return -1;
        }
        return 0;
    case '2':
        g.c.pings++;
        if (send_frame(c, WS_OP_TEXT, "3", 1) < 0) {
            closed(c, 1006);
            return -1;
        }
        return 0;
    case '4':
        if (len > 2 && p[1] == '2') {
            const uint8_t *obj = memchr(p, '{', len);
            if (obj && p[len - 1] == ']') {
                jscan_frame((const char *)obj, (size_t)(p + len - 1 - obj), on_message, c);
                return 0;
            }
        }
        if (len >= 2 && p[1] == '0') {
            /* Namespace connected. Socket.IO drops a client whose events arrive before this. */
            if (send_subscribe(c) < 0) {
                closed(c, 1006);
                return -1;
            }
            return 0;
        }
        break;
    default:
        break;
    }
    g.c.messages[MT_OTHER]++;
    return 0;
}

/* Returns -1 if the connection is gone afterwards. */
static int on_data_message(conn_t *c, int opcode, const uint8_t *payload, size_t len)
{
    g.c.frames++;
    if (opcode != WS_OP_TEXT) {
        g.c.messages[MT_OTHER]++; /* binary (msgpack) frames are not decoded by this client */
        return 0;
    }
    if (g.opt.socketio)
        return on_socketio(c, payload, len);
    jscan_frame((const char *)payload, len, on_message, c);
    return 0;
}

static void protocol_error(conn_t *c, const char *what)
{
    uint8_t payload[2] = {1002 >> 8, 1002 & 0xFF};
    send_frame(c, WS_OP_CLOSE, payload, 2);
    tally_add(&g.protocol_errors, what, strlen(what));
    closed(c, 1002);
}

/* Handles one complete frame. Returns -1 if the connection is gone afterwards. */
static int on_frame(conn_t *c, const ws_header_t *h, uint8_t *payload)
{
    size_t len = (size_t)h->payload_len;
    if (h->masked)
        ws_unmask(payload, len, h->mask);
    switch (h->opcode) {
    case WS_OP_TEXT:
    case WS_OP_BINARY:
        if (c->frag_opcode) {
            protocol_error(c, "protocol: new message inside a fragmented one");
            return -1;
        }
        if (h->fin)
            return on_data_message(c, h->opcode, payload, len);
        c->frag_opcode = (uint8_t)h->opcode;
        /* The first fragment starts the reassembly buffer, like a continuation. */
        __attribute__((fallthrough));
    case WS_OP_CONT:
        if (!c->frag_opcode) {
            protocol_error(c, "protocol: continuation without a message");
            return -1;
        }
        if (c->msg_len + len > MAX_FRAME) {
            protocol_error(c, "protocol: message too large");
            return -1;
        }
        if (c->msg_len + len > c->msg_cap) {
            c->msg_cap = (uint32_t)(c->msg_len + len);
            c->msg = xrealloc(c->msg, c->msg_cap);
        }
        memcpy(c->msg + c->msg_len, payload, len);
        c->msg_len += (uint32_t)len;
        if (h->fin) {
            /* Detach the message first: handling it may release the connection. */
            uint8_t *msg = c->msg;
            uint32_t msg_len = c->msg_len;
            int op = c->frag_opcode;
            c->msg = NULL;
            c->msg_len = c->msg_cap = 0;
            c->frag_opcode = 0;
            int rc = on_data_message(c, op, msg, msg_len);
            free(msg);
            return rc;
        }
        return 0;
    case WS_OP_PING:
        g.c.pings++;
        if (send_frame(c, WS_OP_PONG, payload, len) < 0) {
            closed(c, 1006);
            return -1;
        }
        return 0;
    case WS_OP_PONG:
        return 0;
    case WS_OP_CLOSE: {
        unsigned code = len >= 2 ? (unsigned)payload[0] << 8 | payload[1] : 1005;
        /* Echo the code, as the closing handshake asks, then drop the socket. */
        send_frame(c, WS_OP_CLOSE, payload, len >= 2 ? 2 : 0);
        closed(c, code);
        return -1;
    }
    default:
        protocol_error(c, "protocol: unknown opcode");
        return -1;
    }
}

/*
 * Consumes complete frames (and, first, the handshake response) from buf.
 * Returns the bytes consumed, with c->carry_need set to the size the next
 * incomplete unit needs, or -1 if the connection is gone.
 */
static long consume(conn_t *c, uint8_t *buf, size_t len)
{
    size_t off = 0;
    if (c->state == CS_HANDSHAKE) {
        long n = finish_handshake(c, buf, len);
        if (n <= 0)
            return n;
        off = (size_t)n;
    }
    while (off < len) {
        ws_header_t h;
        int rc = ws_decode_header(buf + off, len - off, &h);
        if (rc < 0) {
            protocol_error(c, "protocol: bad frame header");
            return -1;
        }
        if (rc == 0) {
            c->carry_need = WS_MAX_HEADER;
            return (long)off;
        }
        if (h.payload_len > MAX_FRAME) {
            protocol_error(c, "protocol: frame too large");
            return -1;
        }
        size_t total = h.header_len + (size_t)h.payload_len;
        if (len - off < total) {
            c->carry_need = (uint32_t)total;
            return (long)off;
        }
        if (on_frame(c, &h, buf + off + h.header_len) < 0)
            return -1;
        off += total;
    }
    c->carry_need = 0;
    return (long)off;
}

/*
 * Reads what the socket has. Usually the bytes go into the shared buffer,
 * after any carried-over partial frame; a frame too big for the shared buffer
 * is assembled in the connection's own carry buffer instead.
 */
static void on_readable(conn_t *c, size_t budget)
{
    for (;;) {
        int own = c->carry_len > 0 && c->carry_need > READ_BUF_SIZE;
        uint8_t *buf;
        size_t cap, have = c->carry_len;
        if (own) {
            if (c->carry_cap < c->carry_need) {
                c->carry_cap = c->carry_need;
                c->carry = xrealloc(c->carry, c->carry_cap);
            }
            buf = c->carry;
            cap = c->carry_cap;
        } else {
            buf = g.rbuf;
            cap = READ_BUF_SIZE;
        }
        /* recv() rather than read(): it skips the VFS layer (fdget_pos, vfs_read) on the hot path. */
        size_t want = cap - have;
        if (budget && want > budget)
            want = budget;
        ssize_t n = recv(c->fd, buf + have, want, 0);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            if (c->state == CS_OPEN)
                closed(c, 1006);
            else
                fail(c, "handshake: connection closed");
            return;
        }
        g.now_ms = realtime_ms();
        g.c.bytes += (uint64_t)n;
        g.c.reads++;
        if (!own && have)
            memcpy(buf, c->carry, have); /* the read went in after room for the carried bytes */
        size_t len = have + (size_t)n;
        long used = consume(c, buf, len);
        if (used < 0)
            return;
        size_t rest = len - (size_t)used;
        if (own) {
            memmove(c->carry, c->carry + used, rest);
        } else if (rest) {
            size_t want = rest > c->carry_need ? rest : c->carry_need;
            if (want > c->carry_cap) {
                c->carry_cap = (uint32_t)want;
                c->carry = xrealloc(c->carry, c->carry_cap);
            }
            memcpy(c->carry, buf + used, rest);
        }
        c->carry_len = (uint32_t)rest;
        if (rest == 0 && c->carry_cap > 65536) { /* do not hold on to a big one-off buffer */
            free(c->carry);
            c->carry = NULL;
            c->carry_cap = 0;
        }
        if (budget || (size_t)n < cap - have)
            return; /* a short read: drained, and the next arrival raises a new edge (slow: one read per tick) */
    }
}

static void on_event(conn_t *c, uint32_t events)
{
    if (c->state == CS_DONE)
        return; /* released earlier in this same batch of events */
    if (c->state == CS_CONNECTING) {
        if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
            on_connect_ready(c);
        return;
    }
    if ((events & EPOLLOUT) && c->out_len && flush_out(c) < 0) {
        if (c->state == CS_OPEN)
            closed(c, 1006);
        else
            fail(c, "handshake: send failed");
        return;
    }
    if (c->slow && c->state == CS_OPEN)
        return; /* slow consumers read on their own timer (read_slow) */
    if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
        on_readable(c, 0);
}

#define SLOW_TICK_NS 100000000ull /* slow consumers read 10 times a second */

static void read_slow(void)
{
    size_t budget = g.opt.slow_bps / 10 ? g.opt.slow_bps / 10 : 1;
    for (unsigned i = 0; i < g.started; i++)
        if (g.conns[i].slow && g.conns[i].state == CS_OPEN)
            on_readable(&g.conns[i], budget);
}

/* Closes one open connection (chosen at random) with 1000 and queues it to reopen. */
static void churn_one(void)
{
    if (g.open == 0 || g.started == 0)
        return;
    for (int tries = 0; tries < 32; tries++) {
        conn_t *c = &g.conns[rng_next() % g.started];
        if (c->state != CS_OPEN)
            continue;
        uint8_t bye[2] = {1000 >> 8, 1000 & 0xFF};
        send_frame(c, WS_OP_CLOSE, bye, 2);
        g.open--;
        g.c.churned++;
        release(c);
        enqueue(c);
        return;
    }
}

static void requeue_retries(uint64_t now)
{
    for (unsigned i = 0; i < g.started; i++) {
        conn_t *c = &g.conns[i];
        if (c->state == CS_RETRY && now >= c->retry_at_ns) {
            c->state = CS_IDLE;
            enqueue(c);
        }
    }
}

/* ---------- reporting ---------- */

static void write_common(uint64_t now)
{
    double user, sys;
    cpu_ms(&user, &sys);
    printf("\"pid\":%d,\"elapsedMs\":%.1f,\"attempted\":%u,\"pending\":%u,\"open\":%u,\"failed\":%u,\"closed\":%u,"
           "\"cpuUserMs\":%.1f,\"cpuSysMs\":%.1f,",
           (int)getpid(), elapsed_ms(now), g.started, g.pending, g.open, g.failed, g.closed, user, sys);
    counters_write_fields(&g.c, stdout);
}

static void report_progress(uint64_t now)
{
    fputs("{\"type\":\"progress\",", stdout);
    write_common(now);
    fputs(",\"intervalLatencyUs\":", stdout);
    hist_write_json(&g.interval_latency, stdout);
    hist_reset(&g.interval_latency);
    fputs("}\n", stdout);
    fflush(stdout);
}

static void report_summary(uint64_t now)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    fputs("{\"type\":\"summary\",", stdout);
    write_common(now);
    printf(",\"maxRssKb\":%ld,\"connectTimeUs\":", ru.ru_maxrss);
    hist_write_json(&g.connect_time, stdout);
    fputs(",\"closes\":", stdout);
    tally_write_json(&g.closes, stdout);
    fputs(",\"errors\":", stdout);
    tally_write_json(&g.errors, stdout);
    fputs(",\"failures\":", stdout);
    tally_write_json(&g.failures, stdout);
    fputs(",\"protocolErrors\":", stdout);
    tally_write_json(&g.protocol_errors, stdout);
    /* The measured window: from "mark" (or the start, if never marked) to now. */
    counters_t w;
    counters_diff(&w, &g.c, &g.c_at_mark);
    uint64_t from = g.marked ? g.mark_ns : g.t0_ns;
    printf(",\"window\":{\"marked\":%s,\"durationMs\":%.1f,\"cpuMs\":%.1f,", g.marked ? "true" : "false",
           (double)(now - from) / 1e6, cpu_ms(NULL, NULL) - g.cpu_at_mark_ms);
    counters_write_fields(&w, stdout);
    fputs(",\"latencyUs\":", stdout);
    hist_write_json(&g.latency, stdout);
    fputs(",\"slowLatencyUs\":", stdout);
    hist_write_json(&g.slow_latency, stdout);
    fputs(",\"frameLatencyUs\":", stdout);
    hist_write_json(&g.frame_latency, stdout);
    fputs("}}\n", stdout);
    fflush(stdout);
}

static void mark(uint64_t now)
{
    g.marked = 1;
    g.mark_ns = now;
    g.c_at_mark = g.c;
    g.cpu_at_mark_ms = cpu_ms(NULL, NULL);
    hist_reset(&g.latency);
    hist_reset(&g.slow_latency);
    hist_reset(&g.frame_latency);
    printf("{\"type\":\"marked\",\"pid\":%d,\"elapsedMs\":%.1f}\n", (int)getpid(), elapsed_ms(now));
    fflush(stdout);
}

/* Commands from the orchestrator, one per line: "mark" starts the measured window, "stop" ends the run. */
static void on_stdin(void)
{
    ssize_t n = read(0, g.stdin_buf + g.stdin_len, sizeof g.stdin_buf - 1 - g.stdin_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* the orchestrator went away */
        g.stopping = 1;
        return;
    }
    g.stdin_len += (size_t)n;
    char *nl;
    while ((nl = memchr(g.stdin_buf, '\n', g.stdin_len))) {
        *nl = '\0';
        if (strcmp(g.stdin_buf, "mark") == 0)
            mark(mono_ns());
        else if (strcmp(g.stdin_buf, "stop") == 0)
            g.stopping = 1;
        else if (strncmp(g.stdin_buf, "churn ", 6) == 0) {
            /* "churn N": close and reopen N open connections per second from now (0 stops). */
            g.opt.churn_per_s = (unsigned)strtoul(g.stdin_buf + 6, NULL, 10);
            g.next_churn_ns = 0;
        }
        else
            fprintf(stderr, "wsload: unknown command \"%s\"\n", g.stdin_buf);
        size_t used = (size_t)(nl - g.stdin_buf) + 1;
        memmove(g.stdin_buf, nl + 1, g.stdin_len - used);
        g.stdin_len -= used;
    }
    if (g.stdin_len == sizeof g.stdin_buf - 1)
        g.stdin_len = 0; /* a line that long is garbage */
}

static void check_timeouts(uint64_t now)
{
    uint64_t limit = (uint64_t)g.opt.connect_timeout_ms * 1000000ull;
    for (unsigned i = 0; i < g.started; i++) {
        conn_t *c = &g.conns[i];
        if ((c->state == CS_CONNECTING || c->state == CS_HANDSHAKE) && now > c->started_ns + limit)
            fail(c, c->state == CS_CONNECTING ? "connect: timed out" : "handshake: timed out");
    }
}

/* ---------- main loop ---------- */

static void on_signal(int sig)
{
    (void)sig;
    got_signal = 1;
}

static void usage(void)
{
    fputs("usage: wsload --port N --symbols-file FILE [--host H] [--path P] [--protocol S] [--connections N]\n"
          "              [--conn-offset N] [--symbols-per-conn K] [--ramp PER_SEC] [--max-pending N]\n"
          "              [--src-base N] [--src-count N] [--report-ms MS] [--connect-timeout-ms MS]\n"
          "              [--hot-permille P --hot-symbols H] [--slow-permille P --slow-bps B]\n"
          "              [--churn-per-s N] [--reconnect] [--socketio]\n"
          "stdin commands: mark | stop | churn N. stdout: JSON lines.\n",
          stderr);
    exit(2);
}

static unsigned parse_uint(const char *s, const char *name)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || *s == '-' || v > 0xFFFFFFFFul)
        die("--%s must be a non-negative integer", name);
    return (unsigned)v;
}

static void parse_options(int argc, char **argv)
{
    options_t *o = &g.opt;
    *o = (options_t){.host = "127.0.0.1", .path = "/v1/stream", .protocol = "bourse.v1.json", .connections = 100,
                     .symbols_per_conn = 10, .max_pending = 256, .src_base = 2, .report_ms = 1000,
                     .connect_timeout_ms = 10000};
    static const struct option longopts[] = {
        {"host", 1, 0, 'h'},         {"port", 1, 0, 'p'},        {"path", 1, 0, 'P'},
        {"protocol", 1, 0, 'S'},     {"connections", 1, 0, 'c'}, {"conn-offset", 1, 0, 'o'},
        {"symbols-file", 1, 0, 'f'}, {"symbols-per-conn", 1, 0, 'k'}, {"ramp", 1, 0, 'r'},
        {"max-pending", 1, 0, 'm'},  {"src-base", 1, 0, 'b'},    {"src-count", 1, 0, 'n'},
        {"report-ms", 1, 0, 'R'},    {"connect-timeout-ms", 1, 0, 't'},
        {"hot-permille", 1, 0, 'H'}, {"hot-symbols", 1, 0, 'y'}, {"slow-permille", 1, 0, 'L'},
        {"slow-bps", 1, 0, 'B'},     {"churn-per-s", 1, 0, 'C'}, {"reconnect", 0, 0, 'E'},
        {"socketio", 0, 0, 'I'},     {0, 0, 0, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h': o->host = optarg; break;
        case 'p': o->port = (int)parse_uint(optarg, "port"); break;
        case 'P': o->path = optarg; break;
        case 'S': o->protocol = optarg; break;
        case 'c': o->connections = parse_uint(optarg, "connections"); break;
        case 'o': o->conn_offset = parse_uint(optarg, "conn-offset"); break;
        case 'f': o->symbols_file = optarg; break;
        case 'k': o->symbols_per_conn = parse_uint(optarg, "symbols-per-conn"); break;
        case 'r': o->ramp = parse_uint(optarg, "ramp"); break;
        case 'm': o->max_pending = parse_uint(optarg, "max-pending"); break;
        case 'b': o->src_base = parse_uint(optarg, "src-base"); break;
        case 'n': o->src_count = parse_uint(optarg, "src-count"); break;
        case 'R': o->report_ms = parse_uint(optarg, "report-ms"); break;
        case 't': o->connect_timeout_ms = parse_uint(optarg, "connect-timeout-ms"); break;
        case 'H': o->hot_permille = parse_uint(optarg, "hot-permille"); break;
        case 'y': o->hot_symbols = parse_uint(optarg, "hot-symbols"); break;
        case 'L': o->slow_permille = parse_uint(optarg, "slow-permille"); break;
        case 'B': o->slow_bps = parse_uint(optarg, "slow-bps"); break;
        case 'C': o->churn_per_s = parse_uint(optarg, "churn-per-s"); break;
        case 'E': o->reconnect = 1; break;
        case 'I': o->socketio = 1; break;
        default: usage();
        }
    }
    if (optind != argc || !o->port || o->port > 65535 || !o->symbols_file)
        usage();
    if (o->max_pending == 0 || o->report_ms == 0)
        die("%s", "--max-pending and --report-ms must be positive");
    if (o->hot_permille > 1000 || o->slow_permille > 1000)
        die("%s", "--hot-permille and --slow-permille must be at most 1000");
    if (o->hot_permille && o->hot_symbols == 0)
        die("%s", "--hot-permille needs --hot-symbols");
    if (o->slow_permille && o->slow_bps == 0)
        die("%s", "--slow-permille needs --slow-bps");
    if (o->src_count && o->src_base + o->src_count > 0xFFFFFF)
        die("%s", "--src-base + --src-count must stay inside 127.0.0.0/8");
}

static void resolve_server(void)
{
    struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *res;
    if (getaddrinfo(g.opt.host, NULL, &hints, &res) != 0 || !res)
        die("cannot resolve host %s", g.opt.host);
    memcpy(&g.server, res->ai_addr, sizeof g.server);
    g.server.sin_port = htons((uint16_t)g.opt.port);
    freeaddrinfo(res);
    snprintf(g.host_header, sizeof g.host_header, "%s:%d", g.opt.host, g.opt.port);
}

int main(int argc, char **argv)
{
    parse_options(argc, argv);
    resolve_server();
    load_symbols(g.opt.symbols_file);
    if (g.opt.symbols_per_conn > g.nsym)
        die("%s", "--symbols-per-conn is larger than the symbol list");
    if (g.opt.hot_symbols > g.nsym)
        die("%s", "--hot-symbols is larger than the symbol list");

    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    g.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ mono_ns();
    if (!g.rng)
        g.rng = 1;
    g.rbuf = xrealloc(NULL, READ_BUF_SIZE);
    hist_reset(&g.latency);
    hist_reset(&g.interval_latency);
    hist_reset(&g.slow_latency);
    hist_reset(&g.frame_latency);
    hist_reset(&g.connect_time);
    g.queue = xrealloc(NULL, ((size_t)g.opt.connections + 1) * sizeof *g.queue);

    g.conns = xrealloc(NULL, (size_t)g.opt.connections * sizeof *g.conns);
    for (unsigned i = 0; i < g.opt.connections; i++) {
        g.conns[i] = (conn_t){.fd = -1, .state = CS_IDLE, .index = g.opt.conn_offset + i};
        assign_subscriptions(&g.conns[i]);
    }

    g.ep = epoll_create1(EPOLL_CLOEXEC);
    if (g.ep < 0)
        die("epoll_create1 failed%s", "");
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    struct epoll_event sev = {.events = EPOLLIN, .data.ptr = &stdin_tag};
    epoll_ctl(g.ep, EPOLL_CTL_ADD, 0, &sev); /* fails harmlessly if stdin is a file */

    g.t0_ns = mono_ns();
    uint64_t report_ns = (uint64_t)g.opt.report_ms * 1000000ull;
    g.next_report_ns = g.t0_ns + report_ns;
    printf("{\"type\":\"started\",\"pid\":%d,\"connections\":%u,\"connOffset\":%u,\"symbols\":%u}\n", (int)getpid(),
           g.opt.connections, g.opt.conn_offset, g.nsym);
    fflush(stdout);

    struct epoll_event events[MAX_EVENTS];
    while (!g.stopping && !got_signal) {
        uint64_t now = mono_ns();

        /* Ramp: attempt number i is due at t0 + i/ramp, and at most max_pending are in flight. */
        while (g.started < g.opt.connections && g.pending < g.opt.max_pending &&
               (g.opt.ramp == 0 || (double)g.started < g.opt.ramp * (double)(now - g.t0_ns) / 1e9 + 1))
            start_connection(&g.conns[g.started], 0);
        while (g.q_len && g.pending < g.opt.max_pending) {
            conn_t *c = &g.conns[g.queue[g.q_head]];
            g.q_head = (g.q_head + 1) % g.opt.connections;
            g.q_len--;
            start_connection(c, 1);
        }
        if (g.opt.churn_per_s && g.connected_reported && now >= g.next_churn_ns) {
            uint64_t every = 1000000000ull / g.opt.churn_per_s;
            if (g.next_churn_ns == 0)
                g.next_churn_ns = now;
            while (g.next_churn_ns <= now) {
                churn_one();
                g.next_churn_ns += every ? every : 1;
            }
        }
        if (g.opt.slow_permille && now >= g.next_slow_ns) {
            read_slow();
            g.next_slow_ns = now + SLOW_TICK_NS;
        }
        if (now >= g.next_retry_check_ns) {
            requeue_retries(now);
            g.next_retry_check_ns = now + 50000000ull;
        }

        if (g.pending && now >= g.next_timeout_check_ns) {
            check_timeouts(now);
            g.next_timeout_check_ns = now + 100000000ull;
        }
        if (!g.connected_reported && g.started == g.opt.connections && g.pending == g.pending_reopen) {
            g.connected_reported = 1;
            printf("{\"type\":\"connected\",\"pid\":%d,\"elapsedMs\":%.1f,\"open\":%u,\"failed\":%u}\n",
                   (int)getpid(), elapsed_ms(now), g.open, g.failed);
            fflush(stdout);
        }
        if (now >= g.next_report_ns) {
            report_progress(now);
            while (g.next_report_ns <= now)
                g.next_report_ns += report_ns;
        }

        uint64_t wake = g.next_report_ns;
        if (g.next_retry_check_ns < wake)
            wake = g.next_retry_check_ns;
        if (g.opt.slow_permille && g.next_slow_ns < wake)
            wake = g.next_slow_ns;
        if (g.opt.churn_per_s && g.connected_reported && g.next_churn_ns < wake)
            wake = g.next_churn_ns;
        if (g.q_len && g.pending < g.opt.max_pending)
            wake = now;
        if (g.pending && g.next_timeout_check_ns < wake)
            wake = g.next_timeout_check_ns;
        if (g.started < g.opt.connections && g.pending < g.opt.max_pending) {
            uint64_t due = g.opt.ramp == 0 ? now
                                           : g.t0_ns + (uint64_t)((double)g.started / g.opt.ramp * 1e9);
            if (due < wake)
                wake = due;
        }
        int timeout = wake <= now ? 0 : (int)((wake - now + 999999) / 1000000);

        int n = epoll_wait(g.ep, events, MAX_EVENTS, timeout);
        for (int i = 0; i < n; i++) {
            if (events[i].data.ptr == &stdin_tag)
                on_stdin();
            else
                on_event(events[i].data.ptr, events[i].events);
        }
    }

    report_summary(mono_ns());
    /* Say goodbye politely; the sockets close right after, so replies go unread. */
    uint8_t bye[2] = {1000 >> 8, 1000 & 0xFF};
    for (unsigned i = 0; i < g.started; i++) {
        conn_t *c = &g.conns[i];
        if (c->state == CS_OPEN)
            send_frame(c, WS_OP_CLOSE, bye, 2);
        if (c->fd >= 0)
            close(c->fd);
    }
    return 0;
}

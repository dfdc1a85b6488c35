import type { MessagePort } from 'node:worker_threads';
import { renderFlamegraph, type CpuProfile, type ErrorCode, type ThreadAdminReply, type ThreadAdminRequest } from '../core/index.js';
import { adminGuard } from './admin-routes.js';
import { NO_STORE, fail, json, send } from './replies.js';
import type { HttpRequest, HttpResponse, TemplatedApp } from './uws.js';

export interface ProfilingDeps {
  /** BOURSE_ADMIN_TOKEN; undefined = no admin routes (they fall through to 404). */
  readonly token: string | undefined;
  /** Every thread a profile can be taken of (core/profiling/thread-admin.ts profilableThreads). */
  readonly threads: readonly string[];
  /** Current state per thread name (the status table); `main` is always running. */
  readonly states: () => Readonly<Record<string, string>>;
  /** A channel to `thread` carrying `request` (the supervisor routes it). */
  readonly open: (thread: string, request: ThreadAdminRequest) => Promise<MessagePort>;
  /** Longest CPU profile one request may ask for (PROFILE_MAX_SECONDS). */
  readonly maxSeconds: number;
  /** Sampling interval of CPU profiles, µs (PROFILE_SAMPLING_US). */
  readonly intervalUs: number;
  readonly now: () => number;
}

const DEFAULT_SECONDS = 10;
/** How long past the profile's own duration a gateway waits for the thread's answer. */
const GRACE_MS = 30_000;

/**
 * Profiling under /admin/, behind the admin token (401 `unauthorized` without it):
 *   GET /admin/threads                          thread names and states
 *   GET /admin/profile?thread=T&seconds=N       CPU profile of T (.cpuprofile JSON: Chrome DevTools, speedscope)
 *   GET /admin/flamegraph?thread=T&seconds=N    the same, rendered as a self-contained HTML/SVG flamegraph
 *                                               (busy time only; `&idle=1` draws the idle time too)
 *   GET /admin/heap?thread=T                    a heap snapshot of T (.heapsnapshot, streamed)
 * T is one of `threads` (404 `unknown_thread`); N is 1..maxSeconds, default 10
 * (400 `invalid_profile_seconds`). One profile or snapshot per thread at a time
 * (409 `profile_in_progress`); a thread that is down or restarts meanwhile
 * gives 503 `thread_unavailable`. The profile is taken inside T by its own
 * inspector session; no other thread is paused.
 */
export function registerProfilingRoutes(app: TemplatedApp, d: ProfilingDeps): void {
  if (!d.token) return;
  const authorised = adminGuard(d.token);
  const guarded = (handler: (res: HttpResponse, req: HttpRequest) => void) => (res: HttpResponse, req: HttpRequest) => {
    if (authorised(req)) handler(res, req);
    else fail(res, 'unauthorized', 'give Authorization: Bearer <BOURSE_ADMIN_TOKEN>', NO_STORE);
  };

  app.get('/admin/threads', guarded((res) => {
    const states = d.states();
    json(res, 200, { threads: d.threads.map((name) => ({ name, state: name === 'main' ? 'ready' : (states[name] ?? 'unknown') })) }, NO_STORE);
  }));

  const parse = (req: HttpRequest, withSeconds: boolean): { thread: string; seconds: number } | { code: ErrorCode; message: string } => {
    const thread = req.getQuery('thread') ?? '';
    if (!d.threads.includes(thread)) return { code: 'unknown_thread', message: `thread must be one of ${d.threads.join(', ')}` };
    if (!withSeconds) return { thread, seconds: 0 };
    const raw = req.getQuery('seconds');
    const seconds = raw === undefined || raw === '' ? DEFAULT_SECONDS : /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
    if (!(seconds >= 1 && seconds <= d.maxSeconds)) return { code: 'invalid_profile_seconds', message: `seconds must be an integer from 1 to ${d.maxSeconds}` };
    return { thread, seconds };
  };

  const cpu = (as: 'json' | 'html') => guarded((res, req) => {
    const q = parse(req, true);
    if ('code' in q) return fail(res, q.code, q.message, NO_STORE);
    const takenAt = d.now();
    const idle = req.getQuery('idle') === '1';
    exchange(res, d.open(q.thread, { op: 'cpu-profile', seconds: q.seconds, intervalUs: d.intervalUs }), q.seconds * 1000 + GRACE_MS, {
      result: (status, body) => {
        if (status !== 200) return json(res, status, body, NO_STORE);
        const stamp = new Date(takenAt).toISOString().replace(/[:.]/g, '-');
        if (as === 'json') {
          return json(res, 200, body, { ...NO_STORE, 'content-disposition': `attachment; filename="${q.thread}-${stamp}.cpuprofile"` });
        }
        send(res, 200, 'text/html; charset=utf-8', renderFlamegraph(body as CpuProfile, { thread: q.thread, takenAt, idle }), NO_STORE);
      },
    });
  });
  app.get('/admin/profile', cpu('json'));
  app.get('/admin/flamegraph', cpu('html'));

  app.get('/admin/heap', guarded((res, req) => {
    const q = parse(req, false);
    if ('code' in q) return fail(res, q.code, q.message, NO_STORE);
    exchange(res, d.open(q.thread, { op: 'heap-snapshot' }), 10 * 60_000, {
      result: (status, body) => json(res, status, body, NO_STORE),
      start: () => {
        res.writeStatus('200 OK');
        res.writeHeader('content-type', 'application/json');
        res.writeHeader('cache-control', 'no-store');
        res.writeHeader('content-disposition', `attachment; filename="${q.thread}-${d.now()}.heapsnapshot"`);
      },
      // uWS buffers what the socket cannot take yet; a snapshot is bounded by the thread's heap.
      chunk: (data) => res.write(data),
      end: () => res.end(),
    });
  }));
}

interface Handlers {
  result(status: number, body: unknown): void;
  start?(): void;
  chunk?(data: string): void;
  end?(): void;
}

/**
 * Waits for the thread's answer on the port and writes it to `res` (corked:
 * these writes happen outside uWS's handler). A port that closes or stays
 * silent past `timeoutMs` before the answer is complete means the thread went
 * away: 503 `thread_unavailable` if nothing was sent yet, else the response is cut.
 */
function exchange(res: HttpResponse, opening: Promise<MessagePort>, timeoutMs: number, h: Handlers): void {
  let aborted = false;
  let started = false;
  let done = false;
  res.onAborted(() => (aborted = true));
  void opening.then((port) => {
    const finish = (): void => {
      done = true;
      clearTimeout(timer);
      port.close();
    };
    const gone = (why: string): void => {
      if (done) return;
      finish();
      if (aborted) return;
      if (started) res.cork(() => res.close());
      else fail(res, 'thread_unavailable', why, NO_STORE);
    };
    const timer = setTimeout(() => gone(`no answer from the thread within ${Math.round(timeoutMs / 1000)} s`), timeoutMs);
    port.on('close', () => gone('the thread stopped or restarted before it answered'));
    port.on('message', (m: ThreadAdminReply) => {
      if (done) return;
      if (m.type === 'result' || m.type === 'end') finish();
      if (aborted) {
        finish();
        return;
      }
      res.cork(() => {
        switch (m.type) {
          case 'result':
            // A failure after a streamed answer has begun can only cut the response.
            return started ? res.close() : h.result(m.status, m.body);
          case 'start':
            started = true;
            return h.start?.();
          case 'chunk':
            return h.chunk?.(m.data);
          case 'end':
            return h.end?.();
        }
      });
    });
  });
}

import { MessageChannel, type Worker } from 'node:worker_threads';
import { errorReply, threadProfiler, type ThreadAdminOpen, type ThreadAdminPort, type ThreadAdminRun } from '../core/index.js';

/**
 * The supervisor's part of per-thread profiling (core/profiling/thread-admin.ts):
 * a gateway asks for a channel to a thread; this makes one, gives one end to
 * the target thread with the request — or serves it right here for `main` —
 * and the other end to the gateway. A thread that is not running (restarting,
 * stopped) answers 503 `thread_unavailable` on the channel at once.
 */
export function routeThreadAdmin(from: Worker, open: ThreadAdminOpen, workerOf: (thread: string) => Worker | undefined): void {
  const { port1, port2 } = new MessageChannel();
  from.postMessage({ type: 'thread-admin-port', id: open.id, port: port2 } satisfies ThreadAdminPort, [port2]);
  if (open.thread === 'main') {
    void threadProfiler.serve(open.request, port1);
    return;
  }
  const target = workerOf(open.thread);
  if (!target) {
    port1.postMessage(errorReply('thread_unavailable', `${open.thread} is not running`));
    port1.close();
    return;
  }
  target.postMessage({ type: 'thread-admin-run', request: open.request, port: port1 } satisfies ThreadAdminRun, [port1]);
}

/** True for a gateway event that routeThreadAdmin handles. */
export function isThreadAdminOpen(e: { type?: unknown }): e is ThreadAdminOpen {
  return e.type === 'thread-admin-open';
}

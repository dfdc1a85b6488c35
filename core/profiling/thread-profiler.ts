import { Session } from 'node:inspector';
import type { MessagePort } from 'node:worker_threads';
import { systemClock, type Clock } from '../clock.js';
import { errorReply, type ThreadAdminReply, type ThreadAdminRequest, type ThreadAdminRun } from './thread-admin.js';

/** A V8 CPU profile as Profiler.stop returns it (the .cpuprofile format). */
export interface CpuProfile {
  readonly nodes: readonly CpuProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface CpuProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number; readonly scriptId?: string };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

/** Heap snapshot chunks are coalesced into messages of about this many characters. */
const CHUNK_CHARS = 1 << 20;

/**
 * Serves profiling requests for the thread it runs in. Each request opens its
 * own node:inspector Session on this thread (so the profile is of this
 * thread's isolate only — the others keep running untouched) and closes it
 * when done. One profile or snapshot at a time per thread: a second request
 * meanwhile gets 409 `profile_in_progress`.
 *
 * A CPU profile costs this thread the sampler's interrupts (about 1–3% at the
 * default 1 ms interval, see docs/benchmarks.md); a heap snapshot stops this
 * thread for its duration (tens to hundreds of ms), never the others.
 */
export class ThreadProfiler {
  readonly #clock: Clock;
  #busy = false;

  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Runs `request`, answering on `port` (and closing it). Never throws. */
  async serve(request: ThreadAdminRequest, port: MessagePort): Promise<void> {
    const send = (m: ThreadAdminReply): void => port.postMessage(m);
    try {
      if (this.#busy) {
        send(errorReply('profile_in_progress', 'a profile or heap snapshot of this thread is already being taken; retry when it is done'));
        return;
      }
      this.#busy = true;
      try {
        if (request.op === 'cpu-profile') {
          const profile = await this.cpuProfile(request.seconds, request.intervalUs);
          send({ type: 'result', status: 200, body: profile });
        } else {
          send({ type: 'start' });
          this.heapSnapshot((data) => send({ type: 'chunk', data }));
          send({ type: 'end' });
        }
      } finally {
        this.#busy = false;
      }
    } catch (err) {
      send(errorReply('profile_failed', (err as Error).message));
    } finally {
      port.close();
    }
  }

  /** Samples this thread's CPU for `seconds` at `intervalUs` and returns the profile. */
  async cpuProfile(seconds: number, intervalUs: number): Promise<CpuProfile> {
    const s = new Session();
    s.connect();
    try {
      await post(s, 'Profiler.enable');
      await post(s, 'Profiler.setSamplingInterval', { interval: intervalUs });
      await post(s, 'Profiler.start');
      await new Promise<void>((resolve) => this.#clock.after(seconds * 1000, resolve));
      const { profile } = (await post(s, 'Profiler.stop')) as { profile: CpuProfile };
      await post(s, 'Profiler.disable');
      return profile;
    } finally {
      s.disconnect();
    }
  }

  /** Takes a heap snapshot of this thread (synchronous: the thread pauses meanwhile), handing it out in chunks. */
  heapSnapshot(onChunk: (data: string) => void): void {
    const s = new Session();
    s.connect();
    let buf: string[] = [];
    let size = 0;
    const flush = () => {
      if (size === 0) return;
      onChunk(buf.join(''));
      buf = [];
      size = 0;
    };
    s.on('HeapProfiler.addHeapSnapshotChunk', (m: { params: { chunk: string } }) => {
      buf.push(m.params.chunk);
      size += m.params.chunk.length;
      if (size >= CHUNK_CHARS) flush();
    });
    let failure: Error | null = null;
    try {
      // On a session of the same thread, post() runs the command (and emits every chunk) before it returns.
      s.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false }, (err) => (failure = err));
      if (failure) throw failure;
      flush();
    } finally {
      s.disconnect();
    }
  }
}

function post(s: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => s.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result))));
}

/** The one profiler of this thread. */
export const threadProfiler = new ThreadProfiler();

/**
 * Makes this worker answer profiling requests routed to it by the supervisor
 * (`thread-admin-run` on its parent port). One line in each worker's start-up.
 */
export function serveThreadAdmin(parent: Pick<MessagePort, 'on'>): void {
  parent.on('message', (m: ThreadAdminRun | { type?: unknown }) => {
    if ((m as { type?: unknown }).type !== 'thread-admin-run') return;
    const run = m as ThreadAdminRun;
    void threadProfiler.serve(run.request, run.port);
  });
}

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { HistogramJson } from './histogram.js';

/**
 * The native client processes (bench/native/wsload) of one run. Each holds a
 * slice of the connections; this class splits the work, reads their JSON
 * lines and drives the phases over stdin: "mark" starts the measured window,
 * "stop" ends the run and makes each process print its summary.
 */

export interface Counters {
  readonly messages: Readonly<Record<'snapshot' | 'quote' | 'trades' | 'bar' | 'error' | 'pong' | 'other', number>>;
  readonly frames: number;
  readonly bytes: number;
  readonly reads: number;
  readonly gaps: number;
  readonly duplicates: number;
  readonly unknownSymbol: number;
  readonly pings: number;
  readonly negativeLatency: number;
  /** Connections opened again after a close (reconnect or churn modes). */
  readonly reconnects?: number;
  readonly reconnectFailed?: number;
  /** Open connections the client closed on purpose (churn). */
  readonly churned?: number;
  /** Quotes received by slow consumers (kept out of the latency histogram). */
  readonly slowMessages?: number;
  /** Of duplicates: quotes whose seq was not above the one a snapshot had just set. */
  readonly staleAfterSnapshot?: number;
}

/** A "progress" line: cumulative since the process started. */
export interface ClientProgress extends Counters {
  readonly pid: number;
  readonly elapsedMs: number;
  readonly attempted: number;
  readonly pending: number;
  readonly open: number;
  readonly failed: number;
  readonly closed: number;
  readonly cpuUserMs: number;
  readonly cpuSysMs: number;
  /** Tick-to-wire of the fast consumers since the previous progress line (absent in summaries). */
  readonly intervalLatencyUs?: HistogramJson;
}

/** The "summary" line a process prints on "stop". */
export interface ClientSummary extends ClientProgress {
  readonly maxRssKb: number;
  readonly connectTimeUs: HistogramJson;
  readonly closes: Readonly<Record<string, number>>;
  readonly errors: Readonly<Record<string, number>>;
  readonly failures: Readonly<Record<string, number>>;
  /** Why the client closed open connections (with 1002): frames it could not accept. */
  readonly protocolErrors: Readonly<Record<string, number>>;
  readonly window: Counters & {
    readonly marked: boolean;
    readonly durationMs: number;
    readonly cpuMs: number;
    readonly latencyUs: HistogramJson;
    /** Tick-to-wire of the slow consumers (--slow-permille). */
    readonly slowLatencyUs?: HistogramJson;
    /** Frame-to-wire (read time − the frame's ts) of the fast consumers. */
    readonly frameLatencyUs?: HistogramJson;
  };
}

export interface FleetOptions {
  readonly binary: string;
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly protocol: string;
  readonly connections: number;
  readonly processes: number;
  readonly symbolsFile: string;
  readonly symbolsPerConn: number;
  readonly rampPerS: number;
  readonly maxPending: number;
  /** Loopback source addresses to spread over (127.0.0.2 ...); 0 binds none. */
  readonly sourceAddresses: number;
  readonly connectTimeoutMs: number;
  readonly reportMs?: number;
  /** More wsload flags (scenario modes: --hot-permille, --slow-bps, --reconnect, --socketio, ...). */
  readonly extraArgs?: readonly string[];
  /** Called with every progress line as it arrives (per-second time series). */
  readonly onProgress?: (p: ClientProgress) => void;
}

/** Connections of process i of n: an even split, the remainder going to the first ones. */
export function splitConnections(total: number, processes: number): Array<{ offset: number; count: number }> {
  const base = Math.floor(total / processes);
  const extra = total % processes;
  const out: Array<{ offset: number; count: number }> = [];
  let offset = 0;
  for (let i = 0; i < processes; i++) {
    const count = base + (i < extra ? 1 : 0);
    out.push({ offset, count });
    offset += count;
  }
  return out;
}

interface Member {
  readonly child: ChildProcessWithoutNullStreams;
  readonly connections: number;
  progress: ClientProgress | undefined;
  connected: boolean;
  marked: boolean;
  summary: ClientSummary | undefined;
  stderr: string;
  exit: { code: number | null; signal: string | null } | undefined;
}

export class ClientFleet {
  readonly #members: Member[] = [];
  #waiters: Array<() => void> = [];
  #failure: Error | undefined;

  constructor(o: FleetOptions) {
    const ramp = Math.max(1, Math.ceil(o.rampPerS / o.processes));
    for (const { offset, count } of splitConnections(o.connections, o.processes)) {
      const args = [
        '--host', o.host, '--port', String(o.port), '--path', o.path, '--protocol', o.protocol,
        '--connections', String(count), '--conn-offset', String(offset),
        '--symbols-file', o.symbolsFile, '--symbols-per-conn', String(o.symbolsPerConn),
        '--ramp', String(ramp), '--max-pending', String(o.maxPending),
        '--src-base', '2', '--src-count', String(o.sourceAddresses),
        '--report-ms', String(o.reportMs ?? 1000), '--connect-timeout-ms', String(o.connectTimeoutMs),
        ...(o.extraArgs ?? []),
      ];
      const child = spawn(o.binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      const m: Member = { child, connections: count, progress: undefined, connected: false, marked: false, summary: undefined, stderr: '', exit: undefined };
      this.#members.push(m);
      createInterface({ input: child.stdout }).on('line', (line) => this.#onLine(m, line, o.onProgress));
      child.stderr.on('data', (c: Buffer) => (m.stderr = (m.stderr + c.toString('utf8')).slice(-4000)));
      child.stdin.on('error', () => {}); // a process that died is reported through 'exit'
      child.once('error', (err) => this.#fail(new Error(`cannot start ${o.binary}: ${err.message}`)));
      // 'close', not 'exit': 'exit' can come before the last stdout lines (the summary) are read.
      child.once('close', (code, signal) => {
        m.exit = { code, signal };
        if (!m.summary) this.#fail(new Error(`native client ${child.pid} exited (code ${code}, signal ${signal}) before its summary\n${m.stderr.trim()}`));
        this.#wake();
      });
    }
  }

  get processes(): number {
    return this.#members.length;
  }

  get pids(): number[] {
    return this.#members.map((m) => m.child.pid ?? -1);
  }

  /** Latest progress of each process that has reported. */
  get progress(): ClientProgress[] {
    return this.#members.flatMap((m) => (m.progress ? [m.progress] : []));
  }

  /** Resolves when every process has finished its connection attempts (open or failed). */
  waitConnected(timeoutMs: number): Promise<void> {
    return this.#until(() => this.#members.every((m) => m.connected), timeoutMs, 'connecting');
  }

  /** Starts the measured window in every process. */
  async mark(timeoutMs = 5000): Promise<void> {
    for (const m of this.#members) m.child.stdin.write('mark\n');
    await this.#until(() => this.#members.every((m) => m.marked), timeoutMs, 'mark');
  }

  /** Ends the run: every process prints its summary (and then closes its sockets and exits). */
  async stop(timeoutMs = 15_000): Promise<ClientSummary[]> {
    for (const m of this.#members) if (!m.exit) m.child.stdin.write('stop\n');
    await this.#until(() => this.#members.every((m) => m.summary !== undefined), timeoutMs, 'stop');
    await this.#until(() => this.#members.every((m) => m.exit !== undefined), timeoutMs, 'exit').catch(() => this.kill());
    return this.#members.map((m) => m.summary!);
  }

  /** Ends every process at once (clean-up after a failure). */
  kill(): void {
    for (const m of this.#members) if (!m.exit) m.child.kill('SIGKILL');
  }

  /** Sends a command line to every running process (e.g. "churn 250"). */
  command(line: string): void {
    for (const m of this.#members) if (!m.exit) m.child.stdin.write(`${line}\n`);
  }

  #onLine(m: Member, line: string, onProgress?: (p: ClientProgress) => void): void {
    let msg: { type?: string };
    try {
      msg = JSON.parse(line);
    } catch {
      this.#fail(new Error(`native client ${m.child.pid} printed a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    switch (msg.type) {
      case 'progress':
        m.progress = msg as ClientProgress;
        onProgress?.(m.progress);
        break;
      case 'connected':
        m.connected = true;
        break;
      case 'marked':
        m.marked = true;
        break;
      case 'summary':
        m.summary = msg as ClientSummary;
        m.progress = m.summary;
        break;
      default:
        break; // "started" and anything newer
    }
    this.#wake();
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  /** Waits for cond, re-checked whenever a process reports; rejects on timeout or a failed process. */
  #until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`native clients: timed out waiting for ${what} after ${timeoutMs} ms`)), timeoutMs);
      const check = (): void => {
        if (this.#failure && what !== 'exit') {
          clearTimeout(timer);
          reject(this.#failure);
        } else if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      check();
    });
  }
}

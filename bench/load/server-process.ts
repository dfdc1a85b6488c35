import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { BOURSE_ENTRY, UWS_BARE_ENTRY } from './paths.js';

/** The server under load: spawned by the bench, or a running one it attached to. */
export interface ServerUnderTest {
  readonly target: string;
  /** ws://host:port/v1/stream */
  readonly streamUrl: URL;
  /** http://host:port */
  readonly httpBase: string;
  /** Sampled for CPU and RSS when known. */
  readonly pid: number | undefined;
  readonly spawned: boolean;
  /** Rejects if a spawned server exits before stop() is called. */
  readonly died: Promise<never>;
  /** Last lines a spawned server wrote, for error messages. */
  outputTail(): string;
  /** Lines the server logged at error level or above (pino level ≥ 50, or an uncaught error). */
  errorLines(): number;
  /** SIGTERM, then wait for exit (SIGKILL after timeoutMs). No-op when attached. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: string | null }>;
}

export interface SpawnOptions {
  readonly target: string;
  readonly host: string;
  readonly rate: number;
  readonly flushMs: number;
  readonly symbols: number;
  /** Forward the server's stderr to ours as it comes. */
  readonly echoStderr?: boolean;
  /** Listen here instead of a fresh free port (a restart keeps its port, so clients can come back). */
  readonly port?: number;
  /** Node script (and arguments) to run instead of the target's default. */
  readonly entry?: readonly string[];
  /** More environment for the server. */
  readonly env?: Readonly<Record<string, string>>;
}

/** A pino line at error/fatal, or what Node prints for an uncaught error. */
export function isErrorLine(line: string): boolean {
  if (line.startsWith('{')) {
    const m = /"level":(\d+)/.exec(line);
    return m !== null && Number(m[1]) >= 50;
  }
  return /^(Uncaught |\w*Error: |node:internal|FATAL)/.test(line);
}

/** A port that was free a moment ago on host (there is a small race; the server fails loudly if it loses). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const TAIL_LINES = 40;

export async function spawnServer(o: SpawnOptions): Promise<ServerUnderTest> {
  const port = o.port ?? (await freePort(o.host));
  const entry = o.entry ? [...o.entry] : o.target === 'uws-bare' ? [UWS_BARE_ENTRY] : [BOURSE_ENTRY, 'serve'];
  const child = spawn(process.execPath, entry, {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: o.host,
      SIM_RATE: String(o.rate),
      FLUSH_MS: String(o.flushMs),
      UNIVERSE_SIZE: String(o.symbols),
      LOG_LEVEL: 'warn',
      ...o.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail: string[] = [];
  let errors = 0;
  const keep = (chunk: Buffer, echo: boolean): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line) continue;
      tail.push(line);
      if (isErrorLine(line)) errors++;
    }
    tail.splice(0, Math.max(0, tail.length - TAIL_LINES));
    if (echo) process.stderr.write(chunk);
  };
  child.stdout!.on('data', (c: Buffer) => keep(c, false));
  child.stderr!.on('data', (c: Buffer) => keep(c, o.echoStderr ?? false));

  let stopping = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const died = new Promise<never>((_, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${o.target}: ${err.message}`)));
    void exited.then(({ code, signal }) => {
      if (!stopping) reject(new Error(`${o.target} server exited early (code ${code}, signal ${signal})\n${tail.join('\n')}`));
    });
  });
  died.catch(() => {}); // observed by whoever races it; never an unhandled rejection

  return {
    target: o.target,
    streamUrl: new URL(`ws://${o.host}:${port}/v1/stream`),
    httpBase: `http://${o.host}:${port}`,
    pid: child.pid,
    spawned: true,
    died,
    outputTail: () => tail.join('\n'),
    errorLines: () => errors,
    stop: (timeoutMs = 10_000) => stopChild(child, exited, timeoutMs, () => (stopping = true)),
  };
}

async function stopChild(
  child: ChildProcess,
  exited: Promise<{ code: number | null; signal: string | null }>,
  timeoutMs: number,
  markStopping: () => void,
): Promise<{ code: number | null; signal: string | null }> {
  markStopping();
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

export function attachServer(target: string, url: string, pid: number | undefined): ServerUnderTest {
  const streamUrl = new URL(url);
  return {
    target,
    streamUrl,
    httpBase: `http://${streamUrl.host}`,
    pid,
    spawned: false,
    died: new Promise<never>(() => {}),
    outputTail: () => '',
    errorLines: () => 0,
    stop: async () => ({ code: null, signal: null }),
  };
}

/** Polls GET /readyz until it answers 200. */
export async function waitReady(server: ServerUnderTest, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  const poll = async (): Promise<void> => {
    for (;;) {
      try {
        const res = await fetch(`${server.httpBase}/readyz`, { signal: AbortSignal.timeout(2000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
        last = `HTTP ${res.status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (performance.now() > deadline) throw new Error(`${server.httpBase}/readyz not ready after ${timeoutMs} ms (${last})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await Promise.race([poll(), server.died]);
}

/** GET /v1/symbols → {"symbols": [...]}. */
export async function fetchSymbols(server: ServerUnderTest): Promise<string[]> {
  const res = await fetch(`${server.httpBase}/v1/symbols`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET /v1/symbols answered HTTP ${res.status}`);
  const body = (await res.json()) as { symbols?: unknown };
  if (!Array.isArray(body.symbols) || !body.symbols.every((s) => typeof s === 'string')) {
    throw new Error('GET /v1/symbols did not return {"symbols": [strings]}');
  }
  return body.symbols as string[];
}

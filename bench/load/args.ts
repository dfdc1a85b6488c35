import { availableParallelism } from 'node:os';

/**
 * Command-line options of `npm run bench:ws`, parsed and validated up front so
 * a typo fails in a millisecond with a message naming the flag, not after a
 * server start and a 5,000-connection ramp.
 */

export const TARGETS = ['bourse', 'uws-bare'] as const;
export type Target = (typeof TARGETS)[number];

export interface WsBenchOptions {
  /** Which server to spawn (or, with `attach`, what the attached server is, for the record). */
  readonly target: Target;
  /** Attach to a running server instead of spawning one. */
  readonly attach?: { readonly url: string; readonly pid?: number };
  readonly connections: number;
  readonly symbolsPerConn: number;
  /** Universe size: the server is started with this many symbols and the clients use the first this many. */
  readonly symbols: number;
  /** Measured window, seconds. */
  readonly durationS: number;
  /** Time between "all connected" and the start of the measured window, seconds. */
  readonly warmupS: number;
  /** Simulator ticks per second for the spawned Bourse server (SIM_RATE). */
  readonly rate: number;
  readonly flushMs: number;
  /** Connection attempts per second, over all client processes. */
  readonly rampPerS: number;
  /** Upper bound of connections per client process (each holds one fd per connection). */
  readonly connsPerProcess: number;
  /** Client processes; by default ceil(connections / connsPerProcess), and one per core from 1,000 connections. */
  readonly processes: number;
  /** Connection attempts in flight per client process. */
  readonly maxPending: number;
  /** Connections per loopback source address (127.0.0.2, .3, ...); bounded by the ephemeral port range. */
  readonly connsPerSource: number;
  readonly connectTimeoutS: number;
  /** Write bench/results/<ts>-ws.json and append a row to docs/benchmarks.md. */
  readonly record: boolean;
  /** Free text stored with the results and shown in the docs row. */
  readonly note: string;
}

export class ArgError extends Error {
  override readonly name = 'ArgError';
}

/** The process fd limit here is 20,000 and cannot be raised; keep headroom for epoll, pipes and stdio. */
export const MAX_CONNS_PER_PROCESS = 18_000;
/** Connections per native client process unless told otherwise (--conns-per-process, a scenario's processes). */
export const DEFAULT_CONNS_PER_PROCESS = 5000;
/** The ephemeral port range (32768–60999) holds 28,232 ports per source address and destination. */
export const MAX_CONNS_PER_SOURCE = 28_000;

export const USAGE = `usage: npm run bench:ws -- [options]

Load:
  --connections N        WebSocket connections (default 1000)
  --symbols-per-conn K   symbols each connection subscribes to (default 10)
  --symbols N            universe size; the server gets UNIVERSE_SIZE=N (default 500)
  --duration S           measured window in seconds (default 30)
  --warmup S             seconds between all-connected and the window (default 5)
  --rate N               simulator ticks/s for a spawned Bourse (SIM_RATE, default 100000)
  --flush-ms MS          fan-out flush interval (FLUSH_MS, default 50)
Server:
  --target bourse|uws-bare   server to spawn (default bourse)
  --url ws://HOST:PORT[/path]  attach to a running server instead (path default /v1/stream)
  --server-pid PID       with --url: sample that process's CPU and RSS
Clients:
  --ramp N               connection attempts per second (default 2000)
  --conns-per-process N  at most N connections per native client process (default ${DEFAULT_CONNS_PER_PROCESS}, max ${MAX_CONNS_PER_PROCESS})
  --processes N          client processes (default: connections / conns-per-process rounded up,
                         and at least one per core from 1,000 connections)
  --max-pending N        connection attempts in flight per process (default 256)
  --conns-per-source N   connections per loopback source address (default 20000, max ${MAX_CONNS_PER_SOURCE})
  --connect-timeout S    per-connection connect + handshake timeout (default 10)
Output:
  --no-record            do not write bench/results/*.json nor the docs/benchmarks.md row
  --note TEXT            note stored with the results and in the docs row
  --help                 this text
`;

type Spec =
  | { readonly kind: 'int'; readonly key: keyof WsBenchOptions; readonly min: number; readonly max: number }
  | { readonly kind: 'num'; readonly key: keyof WsBenchOptions; readonly min: number; readonly max: number }
  | { readonly kind: 'str'; readonly key: string };

const FLAGS: Readonly<Record<string, Spec>> = {
  connections: { kind: 'int', key: 'connections', min: 1, max: 1_000_000 },
  'symbols-per-conn': { kind: 'int', key: 'symbolsPerConn', min: 1, max: 100_000 },
  symbols: { kind: 'int', key: 'symbols', min: 1, max: 1_000_000 },
  duration: { kind: 'num', key: 'durationS', min: 0.1, max: 86_400 },
  warmup: { kind: 'num', key: 'warmupS', min: 0, max: 3_600 },
  rate: { kind: 'int', key: 'rate', min: 0, max: 100_000_000 },
  'flush-ms': { kind: 'int', key: 'flushMs', min: 1, max: 60_000 },
  ramp: { kind: 'int', key: 'rampPerS', min: 1, max: 1_000_000 },
  'conns-per-process': { kind: 'int', key: 'connsPerProcess', min: 1, max: MAX_CONNS_PER_PROCESS },
  processes: { kind: 'int', key: 'processes', min: 1, max: 256 },
  'max-pending': { kind: 'int', key: 'maxPending', min: 1, max: 10_000 },
  'conns-per-source': { kind: 'int', key: 'connsPerSource', min: 1, max: MAX_CONNS_PER_SOURCE },
  'connect-timeout': { kind: 'num', key: 'connectTimeoutS', min: 0.1, max: 600 },
  target: { kind: 'str', key: 'target' },
  url: { kind: 'str', key: 'url' },
  'server-pid': { kind: 'str', key: 'serverPid' },
  note: { kind: 'str', key: 'note' },
};

const DEFAULTS = {
  target: 'bourse' as Target,
  connections: 1000,
  symbolsPerConn: 10,
  symbols: 500,
  durationS: 30,
  warmupS: 5,
  rate: 100_000,
  flushMs: 50,
  rampPerS: 2000,
  connsPerProcess: DEFAULT_CONNS_PER_PROCESS,
  maxPending: 256,
  connsPerSource: 20_000,
  connectTimeoutS: 10,
  record: true,
  note: '',
};

/** Returns the options, `'help'` for --help, or throws ArgError naming the bad flag. */
export function parseArgs(argv: readonly string[]): WsBenchOptions | 'help' {
  const nums: Record<string, number> = {};
  const strs: Record<string, string> = {};
  let record = DEFAULTS.record;
  const seen = new Set<string>();

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--no-record') {
      record = false;
      continue;
    }
    if (!arg.startsWith('--')) throw new ArgError(`unexpected argument ${JSON.stringify(arg)} (options start with --)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = FLAGS[name];
    if (!spec) throw new ArgError(`unknown option --${name}; see --help`);
    if (seen.has(name)) throw new ArgError(`--${name} given twice`);
    seen.add(name);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined || (value.startsWith('--') && spec.kind === 'str')) throw new ArgError(`--${name} needs a value`);
    }
    if (spec.kind === 'str') {
      strs[spec.key] = value;
      continue;
    }
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v)) throw new ArgError(`--${name} must be a number, got ${JSON.stringify(value)}`);
    if (spec.kind === 'int' && !Number.isInteger(v)) throw new ArgError(`--${name} must be an integer, got ${value}`);
    if (v < spec.min || v > spec.max) throw new ArgError(`--${name} must be from ${spec.min} to ${spec.max}, got ${value}`);
    nums[spec.key] = v;
  }

  const target = (strs.target ?? DEFAULTS.target) as Target;
  if (!TARGETS.includes(target)) throw new ArgError(`--target must be one of ${TARGETS.join(', ')}, got ${JSON.stringify(strs.target)}`);

  let attach: WsBenchOptions['attach'];
  if (strs.url !== undefined) attach = { url: parseStreamUrl(strs.url), ...parsePid(strs.serverPid) };
  else if (strs.serverPid !== undefined) throw new ArgError('--server-pid needs --url (a spawned server is sampled anyway)');

  const o = { ...DEFAULTS, ...nums, target, record, note: strs.note ?? DEFAULTS.note, attach };
  if (o.symbolsPerConn > o.symbols) throw new ArgError(`--symbols-per-conn (${o.symbolsPerConn}) cannot exceed --symbols (${o.symbols})`);
  const processes = nums.processes ?? defaultProcesses(o.connections, o.connsPerProcess);
  if (processes > o.connections) throw new ArgError(`--processes (${processes}) cannot exceed --connections (${o.connections})`);
  if (Math.ceil(o.connections / processes) > MAX_CONNS_PER_PROCESS) {
    throw new ArgError(`${o.connections} connections over ${processes} processes is more than ${MAX_CONNS_PER_PROCESS} per process (fd limit); raise --processes`);
  }
  return Object.freeze({ ...o, processes });
}

/**
 * Enough processes for the fd limit, and from 1,000 connections one per core:
 * measured against uws-bare with 5,000 connections, two processes on two
 * cores delivered 98% of the nominal rate with p99 58 ms, one process 96% with
 * p99 75 ms (docs/benchmarks.md), because a client on each core can read
 * while the server writes.
 */
export function defaultProcesses(connections: number, connsPerProcess: number, cores = availableParallelism()): number {
  const forFds = Math.ceil(connections / connsPerProcess);
  return connections >= 1000 ? Math.max(forFds, Math.min(cores, connections)) : forFds;
}

/** ws://host:port[/path] → the URL string with the path defaulted to /v1/stream. */
function parseStreamUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ArgError(`--url is not a URL: ${JSON.stringify(raw)}`);
  }
  if (u.protocol !== 'ws:') throw new ArgError(`--url must be ws://HOST:PORT[/path] (no TLS in the native client), got ${raw}`);
  if (!u.port) throw new ArgError(`--url needs an explicit port, got ${raw}`);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/stream';
  return u.toString();
}

function parsePid(raw: string | undefined): { pid?: number } {
  if (raw === undefined) return {};
  const pid = Number(raw);
  if (!Number.isInteger(pid) || pid <= 0) throw new ArgError(`--server-pid must be a positive integer, got ${JSON.stringify(raw)}`);
  return { pid };
}

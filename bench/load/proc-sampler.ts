import { readdirSync, readFileSync } from 'node:fs';

/**
 * Samples a process's CPU time and resident memory from /proc (Linux). CPU
 * covers every thread of the process, so a multi-threaded server's usage can
 * exceed one core.
 */

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every mainstream Linux build. */
const CLOCK_TICKS_PER_S = 100;

export interface ProcSample {
  /** performance.now() when taken, ms. */
  readonly t: number;
  /** User + system CPU time so far, seconds. */
  readonly cpuS: number;
  readonly rssKb: number;
  readonly threads: number;
}

/** One sample, or undefined when the process is gone. */
export function readProcSample(pid: number): ProcSample | undefined {
  try {
    const { cpuS, threads } = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { t: performance.now(), cpuS, threads, rssKb: parseRssKb(status) };
  } catch {
    return undefined;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The RSS baseline of a just-started process: after `settleMs`, waits for its
 * RSS to settle (a start-up's transient memory, e.g. an embedded database's,
 * is returned in the first seconds): within 1% over 1 s, at most `maxWaitMs`.
 * Stops waiting when `died` rejects; undefined when the process is gone.
 */
export async function settledBaseline(pid: number, died: Promise<never>, settleMs: number, maxWaitMs = 20_000): Promise<ProcSample | undefined> {
  await Promise.race([sleep(settleMs), died]);
  let baseline = readProcSample(pid);
  for (let waited = 0; baseline && waited < maxWaitMs; waited += 1000) {
    await Promise.race([sleep(1000), died]);
    const next = readProcSample(pid);
    if (!next) break;
    const settled = Math.abs(next.rssKb - baseline.rssKb) <= baseline.rssKb * 0.01;
    baseline = next;
    if (settled) break;
  }
  return baseline;
}

/**
 * Fields of /proc/<pid>/stat (or /proc/<pid>/task/<tid>/stat) after the
 * command name, which may hold spaces and parentheses: CPU time in seconds and
 * in clock ticks (user, system), and the thread count.
 */
export function parseStat(stat: string): { cpuS: number; userTicks: number; sysTicks: number; threads: number } {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state), so field n is f[n - 3]: utime 14, stime 15, num_threads 20.
  const userTicks = Number(f[11]);
  const sysTicks = Number(f[12]);
  const threads = Number(f[17]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(sysTicks)) throw new Error('unexpected /proc/<pid>/stat format');
  return { cpuS: (userTicks + sysTicks) / CLOCK_TICKS_PER_S, userTicks, sysTicks, threads };
}

/** The command (or thread) name in /proc/<pid>/stat: between the first '(' and the last ')'. */
export function commOf(stat: string): string {
  return stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
}

export function parseRssKb(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) : 0;
}

/** Every thread of a process at one moment: name (Bourse names its workers, see core/thread-name.ts) and CPU ticks. */
export interface ThreadTable {
  readonly t: number;
  readonly threads: ReadonlyMap<number, { readonly name: string; readonly userTicks: number; readonly sysTicks: number }>;
}

export function readThreadTable(pid: number): ThreadTable | undefined {
  const threads = new Map<number, { name: string; userTicks: number; sysTicks: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const { userTicks, sysTicks } = parseStat(stat);
      threads.set(Number(tid), { name: commOf(stat), userTicks, sysTicks });
    } catch {
      // the thread ended while we listed them
    }
  }
  return { t: performance.now(), threads };
}

export interface ThreadCpu {
  readonly name: string;
  readonly tid: number;
  /** Cores (user + system) between the two tables. */
  readonly cores: number;
  /** Share of that time spent in the kernel (for a gateway: mostly socket writes). */
  readonly sysShare: number;
}

/** Per-thread CPU between two tables, busiest first; threads under `minCores` are left out. */
export function threadCpu(a: ThreadTable, b: ThreadTable, minCores = 0.005): ThreadCpu[] {
  const dt = (b.t - a.t) / 1000;
  if (!(dt > 0)) return [];
  const out: ThreadCpu[] = [];
  for (const [tid, now] of b.threads) {
    const was = a.threads.get(tid) ?? { userTicks: 0, sysTicks: 0 };
    const user = Math.max(0, now.userTicks - was.userTicks);
    const sys = Math.max(0, now.sysTicks - was.sysTicks);
    const cores = (user + sys) / CLOCK_TICKS_PER_S / dt;
    if (cores < minCores) continue;
    out.push({ name: now.name, tid, cores: Math.round(cores * 1000) / 1000, sysShare: user + sys > 0 ? Math.round((sys / (user + sys)) * 100) / 100 : 0 });
  }
  return out.sort((x, y) => y.cores - x.cores);
}

/** CPU used between two samples, in cores (1.0 = one core busy all the time). */
export function cpuCores(a: ProcSample, b: ProcSample): number {
  const dt = (b.t - a.t) / 1000;
  return dt > 0 ? (b.cpuS - a.cpuS) / dt : 0;
}

/** Takes a sample every intervalMs until stopped; keeps them all (one per second is small). */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  readonly #pid: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(pid: number, intervalMs = 1000) {
    this.#pid = pid;
    this.sample();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Takes a sample now (also recorded in `samples`). */
  sample(): ProcSample | undefined {
    const s = readProcSample(this.#pid);
    if (s) this.samples.push(s);
    return s;
  }

  get maxRssKb(): number {
    return this.samples.reduce((m, s) => Math.max(m, s.rssKb), 0);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** Machine-wide CPU time so far (first line of /proc/stat), seconds, summed over all cores. */
export interface MachineCpuSample {
  readonly t: number;
  readonly busyS: number;
}

export function readMachineCpu(): MachineCpuSample | undefined {
  try {
    return { t: performance.now(), busyS: parseMachineBusyS(readFileSync('/proc/stat', 'utf8')) };
  } catch {
    return undefined;
  }
}

/** Busy time from /proc/stat's "cpu" line: everything but idle and iowait. */
export function parseMachineBusyS(stat: string): number {
  const line = stat.slice(0, stat.indexOf('\n'));
  const [label, ...fields] = line.trim().split(/\s+/);
  if (label !== 'cpu') throw new Error('unexpected /proc/stat format');
  // user nice system idle iowait irq softirq steal (guest time is already inside user).
  const v = fields.slice(0, 8).map(Number);
  const busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
  return busy / CLOCK_TICKS_PER_S;
}

/** CPU seconds so far of every process on the machine, by pid (kernel threads included). */
export interface ProcessTable {
  readonly t: number;
  readonly procs: ReadonlyMap<number, { readonly comm: string; readonly cpuS: number }>;
}

export function readProcessTable(): ProcessTable {
  const procs = new Map<number, { comm: string; cpuS: number }>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      procs.set(pid, { comm: commOf(stat), cpuS: parseStat(stat).cpuS });
    } catch {
      // exited between readdir and read
    }
  }
  return { t: performance.now(), procs };
}

/** The processes, other than `exclude`, that used the most CPU between two tables, in cores. */
export function topConsumers(a: ProcessTable, b: ProcessTable, exclude: ReadonlySet<number>, limit = 3): Array<{ pid: number; comm: string; cores: number }> {
  const dt = (b.t - a.t) / 1000;
  if (dt <= 0) return [];
  const out: Array<{ pid: number; comm: string; cores: number }> = [];
  for (const [pid, p] of b.procs) {
    if (exclude.has(pid)) continue;
    const cores = (p.cpuS - (a.procs.get(pid)?.cpuS ?? 0)) / dt;
    if (cores >= 0.01) out.push({ pid, comm: p.comm, cores: Math.round(cores * 1000) / 1000 });
  }
  return out.sort((x, y) => y.cores - x.cores).slice(0, limit);
}

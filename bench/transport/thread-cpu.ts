import { readFileSync } from 'node:fs';

/**
 * CPU time of the calling thread. process.cpuUsage() is process-wide (and
 * process.threadCpuUsage() only arrived in Node 23.9), so on Linux read the
 * thread's own scheduler stats: /proc/thread-self resolves to the thread that
 * makes the (synchronous) read. schedstat gives ns on the CPU; stat gives
 * utime+stime in clock ticks (assumed 100 Hz) where schedstat is disabled.
 */
export function threadCpu(): { ns: number; source: string } {
  try {
    const ns = Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]);
    if (ns > 0) return { ns, source: 'schedstat' };
  } catch {
    // not Linux, or no schedstat
  }
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return { ns: (Number(fields[11]) + Number(fields[12])) * 1e7, source: 'stat' };
  } catch {
    const u = process.cpuUsage();
    return { ns: (u.user + u.system) * 1000, source: 'process' };
  }
}

/** Monotonic ns, the same clock in every thread of the process. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

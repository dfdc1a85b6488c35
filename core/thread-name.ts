import { writeFileSync } from 'node:fs';

/**
 * Names the calling OS thread (Linux: /proc/thread-self/comm, at most 15
 * bytes), so `top -H`, `ps -L`, perf and the benchmark's per-thread CPU
 * split show `gateway-0` or `shard-1` instead of a row of `node`. A
 * synchronous fs call runs on the calling thread, which is what makes
 * thread-self point at this worker. Best effort: false where it cannot.
 */
export function nameThisThread(name: string): boolean {
  if (process.platform !== 'linux') return false;
  try {
    writeFileSync('/proc/thread-self/comm', Buffer.from(name, 'utf8').subarray(0, 15));
    return true;
  } catch {
    return false;
  }
}

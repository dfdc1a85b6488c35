import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { flameTree, hottest } from '../../core/profiling/flame-tree.js';
import { renderFlamegraph } from '../../core/profiling/flamegraph.js';
import type { CpuProfile } from '../../core/profiling/thread-profiler.js';
import type { ProfileRecord } from './result.js';

/** What `--profile` asks of a Bourse run: these threads, for this long, inside the window. */
export interface ProfileRequest {
  readonly threads: readonly string[];
  readonly seconds: number;
}

/** Thread names the admin endpoint knows (core/profiling/thread-admin.ts), checked before a run starts. */
export const PROFILE_THREAD = /^(main|ingest|store|gateway-\d{1,2}|shard-\d{1,2})$/;

/**
 * Takes the CPU profiles of every requested thread at the same time, through
 * the server's `/admin/profile` (the token the suite gave the server), and
 * writes each as `<prefix>-<thread>.cpuprofile` and a flamegraph page beside
 * the report. A thread that cannot be profiled is recorded with its error;
 * the run goes on.
 */
export async function takeProfiles(httpBase: string, token: string, req: ProfileRequest, dir: string, prefix: string): Promise<ProfileRecord[]> {
  return Promise.all(
    req.threads.map(async (thread): Promise<ProfileRecord> => {
      const base = { thread, seconds: req.seconds };
      try {
        const res = await fetch(`${httpBase}/admin/profile?thread=${encodeURIComponent(thread)}&seconds=${req.seconds}`, {
          headers: { authorization: `Bearer ${token}` },
          signal: AbortSignal.timeout((req.seconds + 30) * 1000),
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
        const profile = JSON.parse(text) as CpuProfile;
        const stem = `${prefix}-${thread}`;
        await writeFile(join(dir, `${stem}.cpuprofile`), text);
        await writeFile(join(dir, `${stem}.html`), renderFlamegraph(profile, { thread, takenAt: Date.now() }));
        const root = flameTree(profile);
        const total = root.total || 1;
        const top = hottest(root, 12).map((h) => ({ name: h.name, location: h.location, selfShare: Math.round((h.self / total) * 10_000) / 10_000 }));
        return { ...base, html: `${stem}.html`, cpuprofile: `${stem}.cpuprofile`, hottest: top };
      } catch (err) {
        return { ...base, html: null, cpuprofile: null, hottest: [], error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

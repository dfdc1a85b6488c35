import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * Running the `bourse` command as a child process, the way an operator does.
 * bin/bourse.js runs the build in dist/, so these tests exercise the last
 * `npm run build`. The child gets this process's environment, LOG_LEVEL=warn,
 * then `env`.
 */
export const BOURSE_BIN = new URL('../../../bin/bourse.js', import.meta.url).pathname;

export interface BourseRun {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
}

/** A running `bourse`: its output so far, and its exit code once it exits. */
export interface BourseProcess {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly exited: Promise<number | null>;
  out(): string;
  err(): string;
}

/** A `bourse serve` that has printed its listening line. */
export interface ServingBourse extends BourseProcess {
  readonly port: number;
}

function spawnBourse(args: readonly string[], env: Record<string, string> = {}): BourseProcess {
  const child = spawn(process.execPath, [BOURSE_BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => out, err: () => err };
}

/** Runs `bourse <args>` to its exit. */
export async function runBourse(args: readonly string[], env: Record<string, string> = {}): Promise<BourseRun> {
  const p = spawnBourse(args, env);
  const code = await p.exited;
  return { code, out: p.out(), err: p.err() };
}

/**
 * Starts `bourse serve` and resolves with the port of its "listening on"
 * line. Rejects, killing the child, if it exits first or prints no such line
 * within `timeoutMs` (generous: a first start initialises PGlite in a new
 * DATA_DIR, slow on a loaded machine). The caller stops it.
 */
export function serveBourse(env: Record<string, string>, timeoutMs = 90_000): Promise<ServingBourse> {
  const p = spawnBourse(['serve'], env);
  return new Promise<ServingBourse>((resolve, reject) => {
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      p.child.kill('SIGKILL');
      reject(new Error(`bourse serve ${why}: ${p.out()} ${p.err()}`));
    };
    const timer = setTimeout(() => fail(`printed no listening line in ${timeoutMs} ms`), timeoutMs);
    void p.exited.then((code) => fail(`exited (${code}) before listening`));
    p.child.stdout.on('data', () => {
      const m = /listening on http:\/\/[^:]+:(\d+)/.exec(p.out());
      if (!m || settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...p, port: Number(m[1]) });
    });
  });
}

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root, found by walking up to Bourse's package.json, so the
 * same code works from bench/load (sources) and dist/bench/load (compiled).
 */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'bourse') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the Bourse repository root (package.json named "bourse")');
    dir = up;
  }
}

export const REPO_ROOT = findRepoRoot();
export const NATIVE_DIR = join(REPO_ROOT, 'bench', 'native');
export const NATIVE_BINARY = join(NATIVE_DIR, 'build', 'wsload');
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
export const BENCHMARKS_DOC = join(REPO_ROOT, 'docs', 'benchmarks.md');
/** Compiled entry points of the servers the bench can spawn. */
export const UWS_BARE_ENTRY = join(REPO_ROOT, 'dist', 'bench', 'peers', 'uws-bare.js');
export const BOURSE_ENTRY = join(REPO_ROOT, 'bin', 'bourse.js');
export const WS_TOPICS_ENTRY = join(REPO_ROOT, 'dist', 'bench', 'peers', 'ws-topics.js');
export const SOCKETIO_ROOMS_ENTRY = join(REPO_ROOT, 'dist', 'bench', 'peers', 'socketio-rooms.js');
export const SCENARIOS_DIR = join(REPO_ROOT, 'bench', 'scenarios');

/** The short commit the results are measured at ('unknown' outside a git checkout). */
export async function gitCommit(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT });
    return stdout.trim();
  } catch {
    return 'unknown';
  }
}

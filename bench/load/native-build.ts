import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { NATIVE_BINARY, NATIVE_DIR } from './paths.js';

const run = promisify(execFile);

/** Compiler flags: -O2 as the bench's cost model assumes; warnings on, since this is our own code. */
export const CFLAGS = ['-O2', '-Wall', '-Wextra', '-std=gnu11'] as const;

/**
 * Returns the path of the native client, compiling it with the machine's C
 * compiler ($CC, default `cc`) when the binary is missing or older than any
 * source under bench/native. The build writes a temporary file and renames it,
 * so concurrent callers never run a half-written binary.
 */
export async function ensureNativeClient(log: (line: string) => void = () => {}): Promise<string> {
  const entries = await readdir(NATIVE_DIR);
  const sources = entries.filter((f) => f.endsWith('.c')).map((f) => join(NATIVE_DIR, f));
  const headers = entries.filter((f) => f.endsWith('.h')).map((f) => join(NATIVE_DIR, f));
  if (sources.length === 0) throw new Error(`no C sources in ${NATIVE_DIR}`);

  const newestSource = Math.max(...(await Promise.all([...sources, ...headers].map(async (f) => (await stat(f)).mtimeMs))));
  const built = await stat(NATIVE_BINARY).then((s) => s.mtimeMs, () => -1);
  if (built >= newestSource) return NATIVE_BINARY;

  const cc = process.env.CC || 'cc';
  const tmp = `${NATIVE_BINARY}.${process.pid}.tmp`;
  await mkdir(join(NATIVE_DIR, 'build'), { recursive: true });
  log(`building native client: ${cc} ${CFLAGS.join(' ')} -o ${NATIVE_BINARY} bench/native/*.c`);
  try {
    await run(cc, [...CFLAGS, '-o', tmp, ...sources]);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`building the native client failed (${cc}):\n${e.stderr || e.message}`);
  }
  await rename(tmp, NATIVE_BINARY);
  return NATIVE_BINARY;
}

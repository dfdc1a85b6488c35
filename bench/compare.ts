/** `npm run bench:compare A.json B.json`: what changed between two `npm run bench` runs. */
import { readFile } from 'node:fs/promises';
import { compareReports, formatComparison } from './suite/compare.js';
import { isScenarioReport, type ScenarioReport } from './suite/result.js';

async function load(path: string): Promise<ScenarioReport> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  if (!isScenarioReport(raw)) throw new Error(`${path}: not a result of npm run bench (kind "bench-scenario", version 1)`);
  return raw;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.length !== 2 || args.some((a) => a.startsWith('--'))) {
    process.stderr.write('usage: npm run bench:compare -- A.json B.json\n');
    return 2;
  }
  const [a, b] = await Promise.all(args.map(load));
  process.stdout.write(`${formatComparison(a, b, compareReports(a, b))}\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`bench:compare: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

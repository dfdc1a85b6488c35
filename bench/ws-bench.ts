/**
 * `npm run bench:ws`: WebSocket fan-out load against Bourse (or the bare uWS
 * peer). Options: `npm run bench:ws -- --help`. The work is in bench/load/.
 */
import { ArgError, parseArgs, USAGE } from './load/args.js';
import { formatResult } from './load/report.js';
import { runWsBench } from './load/run.js';

async function main(): Promise<number> {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ArgError) {
      process.stderr.write(`bench:ws: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  if (options === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const { result, resultFile } = await runWsBench(options, { log });
  process.stdout.write(`\n${formatResult(result)}\n`);
  if (resultFile) process.stdout.write(`\nresults: ${resultFile}\ndocs row appended to docs/benchmarks.md\n`);
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    process.stderr.write(`bench:ws failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

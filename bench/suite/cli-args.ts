import { PROFILE_THREAD, type ProfileRequest } from './profiles.js';
import { TARGETS, validateScenario, type Scenario, type Target } from './scenario.js';

/** `npm run bench` options, checked before anything starts. */
export interface BenchCliOptions {
  readonly scenario: string;
  readonly targets: readonly Target[] | 'peers';
  /** Overrides applied to the scenario (short verification runs). */
  readonly overrides: Readonly<Partial<Pick<Scenario, 'connections' | 'durationS' | 'warmupS' | 'rampPerS' | 'processes' | 'tickRate' | 'flushMs'>>>;
  readonly docs: boolean;
  readonly resultsDir?: string;
  /** `--profile T1,T2 [--profile-seconds N]`: CPU profiles of Bourse threads inside the window. */
  readonly profile?: ProfileRequest;
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

export const BENCH_USAGE = `usage: npm run bench -- --scenario NAME [options]

  --scenario NAME|FILE.json   a scenario of bench/scenarios/ (smoke, steady, burst, hot-symbol,
                              churn, slow-consumers, idle-capacity, active-19500, replay, saturation) or a file
  --target T                  bourse (default), uws, ws or socketio; repeat or comma-separate for several
  --peers                     every target the scenario supports, Bourse first, with Bourse's ratios
  --connections N --duration S --warmup S --ramp N --processes N --tick-rate N --flush MS
                              override the scenario (short checks, capacity sweeps; the JSON keeps
                              the command line and the docs row shows the load it ran)
  --profile THREADS           CPU profiles of these Bourse threads (e.g. gateway-0,shard-0) taken
                              together inside the window: flamegraph pages and .cpuprofile files
                              beside the report, their hottest functions in it
  --profile-seconds N         how long each profile runs (default 10; cut to fit the window)
  --results-dir DIR           where the JSON and HTML go (default bench/results)
  --no-docs                   do not append rows to docs/benchmarks.md
  --help
`;

const OVERRIDES: Readonly<Record<string, keyof BenchCliOptions['overrides']>> = {
  connections: 'connections',
  duration: 'durationS',
  warmup: 'warmupS',
  ramp: 'rampPerS',
  processes: 'processes',
  'tick-rate': 'tickRate',
  flush: 'flushMs',
};

export function parseBenchArgs(argv: readonly string[]): BenchCliOptions | 'help' {
  let scenario: string | undefined;
  const targets: Target[] = [];
  let peers = false;
  let docs = true;
  let resultsDir: string | undefined;
  let profileThreads: string[] | undefined;
  let profileSeconds = 10;
  const overrides: Record<string, number> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new CliError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--help' || arg === '-h') return 'help';
    else if (arg === '--scenario') scenario = value();
    else if (arg === '--peers') peers = true;
    else if (arg === '--no-docs') docs = false;
    else if (arg === '--results-dir') resultsDir = value();
    else if (arg === '--profile') {
      profileThreads = [...new Set(value().split(','))];
      const bad = profileThreads.find((t) => !PROFILE_THREAD.test(t));
      if (bad !== undefined) throw new CliError(`--profile takes thread names (main, ingest, store, gateway-N, shard-N), got ${JSON.stringify(bad)}`);
    } else if (arg === '--profile-seconds') {
      const raw = value();
      profileSeconds = Number(raw);
      if (!Number.isInteger(profileSeconds) || profileSeconds < 1 || profileSeconds > 300) throw new CliError(`--profile-seconds must be a whole number from 1 to 300, got ${JSON.stringify(raw)}`);
    }
    else if (arg === '--target') {
      for (const t of value().split(',')) {
        if (!(TARGETS as readonly string[]).includes(t)) throw new CliError(`--target must be one of ${TARGETS.join(', ')}, got ${JSON.stringify(t)}`);
        if (!targets.includes(t as Target)) targets.push(t as Target);
      }
    } else if (arg.startsWith('--') && OVERRIDES[arg.slice(2)]) {
      const raw = value();
      const v = Number(raw);
      if (!Number.isFinite(v) || raw.trim() === '') throw new CliError(`${arg} must be a number, got ${JSON.stringify(raw)}`);
      overrides[OVERRIDES[arg.slice(2)]] = v;
    } else throw new CliError(`unknown option ${JSON.stringify(arg)}; see --help`);
  }
  if (!scenario) throw new CliError('--scenario is required');
  if (peers && targets.length) throw new CliError('--peers and --target exclude each other');
  const resolvedTargets = peers ? 'peers' : targets.length ? targets : (['bourse'] as Target[]);
  if (profileThreads && resolvedTargets !== 'peers' && !resolvedTargets.includes('bourse')) throw new CliError('--profile profiles Bourse threads: the run has no bourse target');
  return { scenario, targets: resolvedTargets, overrides, docs, resultsDir, ...(profileThreads ? { profile: { threads: profileThreads, seconds: profileSeconds } } : {}) };
}

/** The scenario with the command line's overrides, validated again (so an override cannot break its rules). */
export function applyOverrides(s: Scenario, o: BenchCliOptions['overrides']): Scenario {
  if (Object.keys(o).length === 0) return s;
  const next = { ...s, ...o };
  if (s.burst && o.durationS !== undefined && s.burst.afterS + s.burst.durationS > o.durationS) {
    throw new CliError(`--duration ${o.durationS} is shorter than the scenario's burst (${s.burst.afterS} + ${s.burst.durationS} s)`);
  }
  return validateScenario(next, `${s.name} with command-line overrides`);
}

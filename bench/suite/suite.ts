import { availableParallelism } from 'node:os';
import { ensureNativeClient } from '../load/native-build.js';
import { gitCommit } from '../load/paths.js';
import { resultStem } from '../load/results-docs.js';
import { peerRatios, REFERENCES, type ScenarioReport, type ScenarioRun } from './result.js';
import type { ProfileRequest } from './profiles.js';
import { runScenario } from './run-scenario.js';
import type { Scenario, Target } from './scenario.js';

/** Runs a scenario against each target in turn (Bourse first) and assembles the report. */
export async function runSuite(
  scenario: Scenario,
  targets: readonly Target[],
  o: {
    readonly log: (line: string) => void;
    readonly command: string;
    readonly echoServer?: boolean;
    /** `--profile`: Bourse threads to profile in the window; the files go to `dir` beside the report. */
    readonly profile?: ProfileRequest & { readonly dir: string };
  },
): Promise<ScenarioReport> {
  const startedAt = new Date().toISOString();
  // Profiles are named after the report: `<timestamp>-<scenario>-<target>-<thread>`.
  const profile = o.profile ? { ...o.profile, prefix: resultStem(startedAt, scenario.name) } : undefined;
  const binary = await ensureNativeClient(o.log);
  const commit = await gitCommit();
  const runs: ScenarioRun[] = [];
  const failed: { target: Target; error: string }[] = [];
  for (const target of targets) {
    try {
      runs.push(await runScenario(scenario, target, { binary, commit, log: o.log, echoServer: o.echoServer, profile }));
    } catch (err) {
      // One target failing (a peer that cannot take the load) must not lose the others' results.
      if (targets.length === 1) throw err;
      const error = err instanceof Error ? err.message.split('\n')[0] : String(err);
      failed.push({ target, error });
      o.log(`[${scenario.name}/${target}] failed: ${error}`);
    }
  }
  return {
    kind: 'bench-scenario',
    version: 1,
    scenario,
    startedAt,
    commit,
    machine: { cpus: availableParallelism(), node: process.version, platform: `${process.platform}-${process.arch}` },
    runs,
    ...(failed.length ? { failed } : {}),
    ratios: peerRatios(runs),
    references: REFERENCES,
    command: o.command,
  };
}

import { readFile, readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MAX_CONNS_PER_PROCESS } from '../load/args.js';

/**
 * A benchmark scenario: a small declarative JSON file in bench/scenarios/.
 * Loading validates it against SCENARIO_SCHEMA (unknown keys are errors, so a
 * typo never silently falls back to a default) and then across fields (a
 * share needs its symbols, a burst must fit in the window, ...). Every error
 * names the file and the JSON path.
 */

const Share = Type.Number({ minimum: 0, maximum: 1 });
const PosInt = (max: number) => Type.Integer({ minimum: 1, maximum: max });

export const TARGETS = ['bourse', 'uws', 'ws', 'socketio'] as const;
export type Target = (typeof TARGETS)[number];

export const SCENARIO_SCHEMA = Type.Object(
  {
    name: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' }),
    description: Type.String({ minLength: 1, maxLength: 400 }),
    /** WebSocket connections held during the window. */
    connections: PosInt(100_000),
    /** Symbols each connection subscribes to; 0 = idle connections (no subscription). */
    symbolsPerConn: Type.Integer({ minimum: 0, maximum: 500 }),
    /** Universe size the server is started with (UNIVERSE_SIZE); clients use its first symbols. */
    universe: PosInt(100_000),
    flushMs: PosInt(60_000),
    /** Simulator ticks/s fed into Bourse (SIM_RATE); peers publish every symbol on every flush instead. */
    tickRate: Type.Integer({ minimum: 0, maximum: 2_000_000 }),
    durationS: Type.Number({ minimum: 0.5, maximum: 3600 }),
    warmupS: Type.Number({ minimum: 0, maximum: 600 }),
    /** Connection attempts per second over all client processes. */
    rampPerS: PosInt(1_000_000),
    /** Client processes; default one per core from 1,000 connections, more when the fd limit needs it. */
    processes: Type.Optional(PosInt(64)),
    /** Connections per loopback source address (127.0.0.2, .3, ...). */
    connsPerSource: Type.Optional(PosInt(28_000)),
    maxPending: Type.Optional(PosInt(10_000)),
    connectTimeoutS: Type.Optional(Type.Number({ minimum: 0.1, maximum: 600 })),
    /** A share of the clients subscribes only to the first `symbols` symbols. */
    hot: Type.Optional(Type.Object({ share: Share, symbols: PosInt(1000) }, { additionalProperties: false })),
    /** A share of the clients reads at most bytesPerS (the server's backpressure handling is what is measured). */
    slow: Type.Optional(Type.Object({ share: Share, bytesPerS: PosInt(100_000_000) }, { additionalProperties: false })),
    /** A tick-rate burst inside the window: starts afterS into it, lasts durationS (Bourse: SIM_BURST). */
    burst: Type.Optional(
      Type.Object({ afterS: Type.Number({ minimum: 0 }), durationS: Type.Number({ minimum: 0.1 }), multiplier: Type.Number({ minimum: 1, maximum: 100 }) }, { additionalProperties: false }),
    ),
    /** Connect/disconnect storm during the window, then (restart) a server restart and the reconnect storm. */
    churn: Type.Optional(
      Type.Object(
        {
          perS: PosInt(100_000),
          /** Seconds after the churn before RSS is compared with the connected baseline. */
          settleS: Type.Number({ minimum: 0, maximum: 600 }),
          restart: Type.Boolean(),
          /** Budget for every client to be back after the restart. */
          reconnectTimeoutS: Type.Number({ minimum: 1, maximum: 600 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Feed Bourse real minute bars expanded into ticks (FEED=replay) instead of the simulator. */
    replay: Type.Optional(
      Type.Object(
        { file: Type.String({ minLength: 1 }), symbol: Type.String({ pattern: '^[A-Z][A-Z0-9.-]{0,9}$' }), speed: Type.Union([Type.Number({ exclusiveMinimum: 0 }), Type.Literal('max')]) },
        { additionalProperties: false },
      ),
    ),
    /** autocannon runs against Bourse's REST hot paths after the WebSocket window. `{symbol}` cycles over the universe. */
    http: Type.Optional(
      Type.Object(
        {
          durationS: Type.Number({ minimum: 0.5, maximum: 600 }),
          connections: PosInt(10_000),
          paths: Type.Array(Type.String({ pattern: '^/' }), { minItems: 1, maxItems: 20 }),
        },
        { additionalProperties: false },
      ),
    ),
    /** Extra environment for a spawned Bourse (not the peers). */
    serverEnv: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Z][A-Z0-9_]*$' }), Type.String())),
    /** Targets the scenario makes sense for (default all). */
    targets: Type.Optional(Type.Array(Type.Union(TARGETS.map((t) => Type.Literal(t))), { minItems: 1, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof SCENARIO_SCHEMA>;

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  readonly code = 'bench_scenario_invalid';
}

/** Validates an already-parsed object; `source` names it in errors. */
export function validateScenario(raw: unknown, source: string): Scenario {
  if (!Value.Check(SCENARIO_SCHEMA, raw)) {
    const problems = [...Value.Errors(SCENARIO_SCHEMA, raw)]
      .slice(0, 5)
      .map((e) => `  ${e.path || '/'}: ${e.message}${e.value !== undefined && typeof e.value !== 'object' ? ` (got ${JSON.stringify(e.value)})` : ''}`);
    throw new ScenarioError(`${source}: invalid scenario\n${problems.join('\n')}`);
  }
  const s = raw as Scenario;
  const bad = (path: string, msg: string): never => {
    throw new ScenarioError(`${source}: ${path}: ${msg}`);
  };
  if (s.symbolsPerConn > s.universe) bad('/symbolsPerConn', `cannot exceed /universe (${s.universe})`);
  if (s.hot && s.hot.symbols > s.universe) bad('/hot/symbols', `cannot exceed /universe (${s.universe})`);
  if (s.hot && s.symbolsPerConn === 0) bad('/hot', 'idle connections (symbolsPerConn 0) have no hot symbols');
  if (s.burst && s.burst.afterS + s.burst.durationS > s.durationS) bad('/burst', `afterS + durationS must fit in /durationS (${s.durationS})`);
  if (s.processes !== undefined && s.processes > s.connections) bad('/processes', `cannot exceed /connections (${s.connections})`);
  const processes = s.processes ?? Math.ceil(s.connections / MAX_CONNS_PER_PROCESS);
  if (Math.ceil(s.connections / processes) > MAX_CONNS_PER_PROCESS) {
    bad('/processes', `${s.connections} connections over ${processes} processes is more than ${MAX_CONNS_PER_PROCESS} per process (fd limit)`);
  }
  if (s.replay && s.targets && s.targets.some((t) => t !== 'bourse')) bad('/targets', 'a replay scenario runs against bourse only');
  if (s.name !== undefined && source.endsWith('.json') && basename(source, '.json') !== s.name) bad('/name', `must match the file name (${basename(source, '.json')})`);
  return s;
}

/** Parses and validates JSON text. */
export function parseScenario(text: string, source: string): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ScenarioError(`${source}: not JSON: ${(err as Error).message}`);
  }
  return validateScenario(raw, source);
}

/** Loads bench/scenarios/<name>.json (or a path to a .json file). */
export async function loadScenario(nameOrPath: string, dir: string): Promise<Scenario> {
  const file = nameOrPath.endsWith('.json') ? nameOrPath : join(dir, `${nameOrPath}.json`);
  if (!nameOrPath.endsWith('.json') && !/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath)) {
    throw new ScenarioError(`scenario name ${JSON.stringify(nameOrPath)} is not a name (a-z, 0-9, -) nor a .json path`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    const known = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5));
    throw new ScenarioError(`no scenario ${JSON.stringify(nameOrPath)} (${file}); known: ${known.sort().join(', ')}`);
  }
  return parseScenario(text, file);
}

export function supportsTarget(s: Scenario, t: Target): boolean {
  return (s.targets ?? (s.replay ? ['bourse'] : TARGETS)).includes(t);
}

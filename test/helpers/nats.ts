import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { ensureStreams, type MarketStreamsConfig } from '../../ingest/jetstream/market-stream.js';
import { freePort } from './ports.js';
import { until } from './wait.js';

/**
 * The one setup/cleanup helper for NATS JetStream in tests (no mocks).
 *
 * natsFixture() connects to NATS_URL (default nats://127.0.0.1:4222, the
 * local service). If nothing answers there and a nats-server binary is
 * installed, it starts a private one on a free port with a temporary store,
 * killed by close(). testStreams() creates MARKET/QUARANTINE streams with
 * unique names and subject prefixes, so tests never see each other's data,
 * and deletes them afterwards.
 */
export const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const NATS_SERVER_BIN = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

export interface NatsFixture {
  readonly url: string;
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  close(): Promise<void>;
}

export async function natsFixture(): Promise<NatsFixture> {
  let server: NatsServerProcess | undefined;
  let url = NATS_URL;
  let nc = await tryConnect(url);
  if (!nc) {
    server = await startNatsServer();
    url = server.url;
    nc = await connect({ servers: url, name: 'bourse-test' });
  }
  const jsm = await nc.jetstreamManager();
  return {
    url,
    nc,
    jsm,
    async close() {
      await nc.drain().catch(() => {});
      await server?.stop();
    },
  };
}

async function tryConnect(url: string): Promise<NatsConnection | undefined> {
  try {
    return await connect({ servers: url, name: 'bourse-test', timeout: 1500, maxReconnectAttempts: 0 });
  } catch {
    return undefined;
  }
}

/** A short random suffix for stream, subject and durable names. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}

export interface TestStreams {
  readonly suffix: string;
  readonly config: MarketStreamsConfig;
  readonly market: string;
  readonly quarantine: string;
  /** MARKET subject prefix (`t<suffix>.md`). */
  readonly prefix: string;
  /** QUARANTINE subject prefix. */
  readonly qprefix: string;
  /** A durable name for this test's consumer. */
  readonly durable: string;
  delete(): Promise<void>;
}

/** Creates unique MARKET/QUARANTINE streams (small limits); delete() removes them. */
export async function testStreams(jsm: JetStreamManager): Promise<TestStreams> {
  const suffix = uniqueSuffix();
  const config: MarketStreamsConfig = {
    market: { name: `MARKET_${suffix}`, prefix: `t${suffix}.md`, maxAgeMs: 10 * 60_000, maxBytes: 64 * 1024 * 1024 },
    quarantine: { name: `QUARANTINE_${suffix}`, prefix: `t${suffix}.quarantine`, maxAgeMs: 10 * 60_000, maxBytes: 16 * 1024 * 1024 },
  };
  await ensureStreams(jsm, config);
  return {
    suffix,
    config,
    market: config.market.name,
    quarantine: config.quarantine.name,
    prefix: config.market.prefix,
    qprefix: config.quarantine.prefix,
    durable: `ingest_${suffix}`,
    async delete() {
      for (const name of [config.market.name, config.quarantine.name]) await jsm.streams.delete(name).catch(() => false);
    },
  };
}

export interface NatsServerProcess {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL when `hard`) and waits for it to exit; the store directory is kept for restart(). */
  kill(hard?: boolean): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Kills it and removes the store. */
  stop(): Promise<void>;
}

/** Starts a private nats-server with JetStream on a free loopback port (for tests that restart NATS). */
export async function startNatsServer(): Promise<NatsServerProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bourse-nats-'));
  const url = `nats://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const c = spawn(NATS_SERVER_BIN, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir], { stdio: 'ignore' });
    child = c;
    await until(async () => {
      if (c.exitCode !== null) throw new Error(`nats-server exited (${c.exitCode}) before it answered on ${url}`);
      const nc = await tryConnect(url);
      await nc?.close();
      return nc !== undefined;
    }, 10_000, `nats-server on ${url}`);
  };
  const kill = async (hard = false): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(hard ? 'SIGKILL' : 'SIGTERM');
    await exited;
  };
  await launch();
  return {
    url,
    port,
    kill,
    restart: launch,
    async stop() {
      await kill(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** until() with the NATS tests' default budget of 10 s. */
export function eventually(cond: () => boolean | Promise<boolean>, ms = 10_000, what: string | (() => string) = 'condition'): Promise<void> {
  return until(cond, ms, what);
}

/**
 * A node:test suite's NATS: connects before the tests, and after them runs
 * every deferred cleanup (newest first) and closes. `streams()` makes uniquely
 * named test streams that are deleted at the end.
 */
export interface NatsSuite {
  readonly nats: NatsFixture;
  streams(): Promise<TestStreams>;
  defer(fn: () => Promise<unknown> | void): void;
}

export function natsSuite(): NatsSuite {
  let fixture: NatsFixture | undefined;
  const cleanup: (() => Promise<unknown> | void)[] = [];
  before(async () => {
    fixture = await natsFixture();
  });
  after(async () => {
    for (const fn of cleanup.reverse()) await fn();
    await fixture?.close();
  });
  const suite: NatsSuite = {
    get nats() {
      if (!fixture) throw new Error('natsSuite: used before its before() hook ran');
      return fixture;
    },
    async streams() {
      const s = await testStreams(suite.nats.jsm);
      cleanup.push(() => s.delete());
      return s;
    },
    defer: (fn) => void cleanup.push(fn),
  };
  return suite;
}

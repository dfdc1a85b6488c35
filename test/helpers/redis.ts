import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../../core/index.js';
import { RedisConnection } from '../../core/speed/index.js';
import { freePort } from './ports.js';
import { until } from './wait.js';

/**
 * The one setup/cleanup helper for Redis in tests (no mocks).
 *
 * redisFixture() connects to REDIS_URL (default redis://127.0.0.1:6379, the
 * local service) with a key prefix of its own (`bourse-t-<random>:`); close()
 * deletes every key under the prefix and disconnects. startRedisServer()
 * runs a private redis-server on a free port (no persistence) for tests that
 * take Redis away and bring it back. redisSuite() gives a node:test file
 * a fixture and ready RedisConnections for all of its tests.
 */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? 'redis-server';

export interface RedisFixture {
  readonly url: string;
  /** A prefix no other test run uses; every key a test writes must start with it. */
  readonly prefix: string;
  /** A plain client for assertions (offline queue on: the fixture's Redis stays up). */
  readonly client: Redis;
  /** Keys under the prefix (SCAN), sorted. */
  keys(pattern?: string): Promise<string[]>;
  /** Deletes every key under the prefix and disconnects. */
  close(): Promise<void>;
}

export function testPrefix(): string {
  return `bourse-t-${randomBytes(5).toString('hex')}:`;
}

export async function redisFixture(url = REDIS_URL): Promise<RedisFixture> {
  const prefix = testPrefix();
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const keys = async (pattern = '*'): Promise<string[]> => {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}${pattern}`, 'COUNT', 1000);
      out.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return out.sort();
  };
  return {
    url,
    prefix,
    client,
    keys,
    async close() {
      const all = await keys().catch(() => [] as string[]);
      for (let i = 0; i < all.length; i += 500) await client.unlink(...all.slice(i, i + 500));
      client.disconnect();
    },
  };
}

export interface RedisServerProcess {
  readonly url: string;
  readonly port: number;
  /** Kills the server (SIGKILL) and waits for it to exit; its data is gone (no persistence). */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  /** Kills it for good. */
  stop(): Promise<void>;
  /** Sends a signal (SIGSTOP/SIGCONT: a hung server). */
  signal(sig: NodeJS.Signals): void;
}

/** A private `redis-server --port <p> --save '' --daemonize no` on a free loopback port, as a child process. */
export async function startRedisServer(): Promise<RedisServerProcess> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const launch = async (): Promise<void> => {
    const c = spawn(REDIS_SERVER_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
    child = c;
    await until(async () => {
      if (c.exitCode !== null) throw new Error(`redis-server exited (${c.exitCode}) before it answered on ${url}`);
      return answers(url);
    }, 10_000, `redis-server on ${url}`);
  };
  const kill = async (): Promise<void> => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  };
  await launch();
  return { url, port, kill, restart: launch, stop: kill, signal: (sig) => void child?.kill(sig) };
}

async function answers(url: string): Promise<boolean> {
  const c = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 500 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return (await c.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

/** A node:test file's Redis (redisSuite). */
export interface RedisSuite {
  readonly fx: RedisFixture;
  /** The first connection. */
  readonly conn: RedisConnection;
  /** Every connection, in the order of the names. */
  readonly connections: readonly RedisConnection[];
}

/**
 * A node:test file's Redis: before its tests, a fixture and one ready
 * RedisConnection per name (the names show in CLIENT LIST); after them, the
 * connections are closed and the fixture's keys deleted.
 */
export function redisSuite(...names: [string, ...string[]]): RedisSuite {
  let fx: RedisFixture | undefined;
  const connections: RedisConnection[] = [];
  const log = createLogger('silent', { thread: 'test' });
  before(async () => {
    fx = await redisFixture();
    for (const name of names) connections.push(new RedisConnection({ url: fx.url, name, log }));
    for (const [i, c] of connections.entries()) assert.ok(await c.waitReady(5000), `${names[i]} connected to the test Redis`);
  });
  after(async () => {
    for (const c of connections) await c.close();
    await fx?.close();
  });
  const used = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('redisSuite: used before its before() hook ran');
    return value;
  };
  return {
    get fx() {
      return used(fx);
    },
    get conn() {
      return used(connections[0]);
    },
    get connections() {
      used(fx);
      return connections;
    },
  };
}

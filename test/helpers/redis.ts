import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/**
 * The one setup/cleanup helper for Redis in tests (no mocks).
 *
 * redisFixture() connects to REDIS_URL (default redis://127.0.0.1:6379, the
 * local service) with a key prefix of its own (`bourse-t-<random>:`); close()
 * deletes every key under the prefix and disconnects. startRedisServer()
 * runs a private redis-server on a free port (no persistence) for tests that
 * take Redis away and bring it back.
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
    const end = Date.now() + 10_000;
    for (;;) {
      if (await answers(url)) return;
      if (Date.now() > end || c.exitCode !== null) throw new Error(`redis-server did not start on ${url}`);
      await new Promise((r) => setTimeout(r, 30));
    }
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

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

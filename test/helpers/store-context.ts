import { generateKeyPairSync } from 'node:crypto';
import { EMBEDDED_COMPANIES } from '../../core/universe-data.js';
import { ManualClock, SymbolDirectory, Universe, createLogger, loadConfig, type Config } from '../../core/index.js';
import type { RpcPush } from '../../core/rpc.js';
import type { DatabaseKind } from '../../core/store/database.js';
import type { StoreContext } from '../../domain/store-context.js';
import { testDatabase, type TestDatabase } from './db.js';

let pem: string | undefined;
/** One RSA-2048 signing key per test process (PKCS#8 PEM): generating one per server would cost ~100 ms each. */
export function testSigningKeyPem(): string {
  return (pem ??= generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey);
}

export interface TestStore {
  readonly ctx: StoreContext;
  readonly db: TestDatabase;
  readonly clock: ManualClock;
  readonly config: Config;
  /** Every push the modules sent to gateways, in order. */
  readonly pushes: RpcPush[];
  /** Every message the modules sent to shards, in order. */
  readonly shardMessages: { shard: number; message: unknown }[];
  /** Drops the database. */
  close(): Promise<void>;
}

export interface TestStoreOptions {
  /** The symbols (default: the embedded universe). */
  readonly universe?: Universe;
  /** Apply the migrations (default true); false leaves the database empty. */
  readonly migrate?: boolean;
}

/**
 * A store thread's context without the thread: a fresh database of `kind`
 * (migrated unless `migrate: false`), the embedded universe unless another is
 * given, a manual clock, and a pushToGateways that records. For unit tests of
 * domain modules on both backends.
 */
export async function testStore(kind: DatabaseKind, env: Record<string, string> = {}, opts: TestStoreOptions = {}): Promise<TestStore> {
  const config = loadConfig({ LOG_LEVEL: 'silent', PASSWORD_HASH_COST: '10', ...env });
  const db = await testDatabase(kind, { migrate: opts.migrate });
  const universe = opts.universe ?? new Universe(EMBEDDED_COMPANIES);
  const clock = new ManualClock(Date.now());
  const pushes: RpcPush[] = [];
  const shardMessages: { shard: number; message: unknown }[] = [];
  const ctx: StoreContext = {
    db: db.db,
    config,
    universe,
    directory: new SymbolDirectory(universe, config.shards),
    clock,
    log: createLogger('silent', { thread: 'test-store' }),
    pushToGateways: (p) => pushes.push(p),
    sendToShard: (shard, message) => shardMessages.push({ shard, message }),
  };
  return { ctx, db, clock, config, pushes, shardMessages, close: () => db.drop() };
}

/**
 * An access token signed with the test key, as the store would issue it, but
 * with any lifetime (tests of expiry need seconds, not ACCESS_TOKEN_TTL_S).
 */
export async function testAccessToken(investorId: string, opts: { email?: string; expiresInS?: number; issuer?: string } = {}): Promise<string> {
  const { AccessTokenSigner, signingKeyFromPem } = await import('../../core/auth/index.js');
  const key = signingKeyFromPem(testSigningKeyPem());
  const ttl = 900;
  const expiresIn = opts.expiresInS ?? ttl;
  // Sign "in the past" so that iat + ttl lands expiresIn seconds from now.
  const clock = new ManualClock(Date.now() - (ttl - expiresIn) * 1000);
  const signer = await AccessTokenSigner.create(key.privateKeyPem, key.kid, ttl, { issuer: opts.issuer ?? 'bourse', clock });
  return (await signer.sign(investorId, opts.email ?? 'test@example.com')).token;
}

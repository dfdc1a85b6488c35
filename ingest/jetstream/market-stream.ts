import { DiscardPolicy, RetentionPolicy, StorageType, nanos, type JetStreamManager, type StreamConfig, type StreamInfo } from 'nats';
import { BourseError } from '../../core/errors.js';

/**
 * The two JetStream streams of the ingest pipeline:
 *
 * - MARKET holds ticks on `<prefix>.trade.<TOKEN>` and `<prefix>.quote.<TOKEN>`
 *   (see tick-codec.ts), bounded by age and bytes (oldest discarded first), on
 *   file storage. Limits retention: acking does not delete, so several servers
 *   can each run their own durable consumer over the same ticks.
 * - QUARANTINE holds messages the ingest could not apply, on
 *   `<quarantinePrefix>.<original subject>` (see quarantine.ts).
 *
 * ensureStreams() is idempotent: it creates what is missing, updates what
 * differs in the fields it manages, and leaves the rest as it is; running it
 * at every start (and from `bourse streams ensure`) is harmless. Storage type
 * cannot change on a live stream: such a mismatch fails with config_invalid
 * naming the stream, as does a subject overlap with another stream.
 */
export interface StreamLimits {
  /** Stream name (MARKET, QUARANTINE; tests use unique names). */
  readonly name: string;
  /** Subject prefix: `md` for MARKET, `quarantine` for QUARANTINE. */
  readonly prefix: string;
  /** Oldest message kept, ms (0 = unlimited). */
  readonly maxAgeMs: number;
  /** Total bytes kept (-1 = unlimited). */
  readonly maxBytes: number;
}

export interface MarketStreamsConfig {
  readonly market: StreamLimits;
  readonly quarantine: StreamLimits;
}

export const DEFAULT_MARKET_STREAMS: MarketStreamsConfig = Object.freeze({
  market: Object.freeze({ name: 'MARKET', prefix: 'md', maxAgeMs: 24 * 3600_000, maxBytes: 4 * 1024 ** 3 }),
  quarantine: Object.freeze({ name: 'QUARANTINE', prefix: 'quarantine', maxAgeMs: 30 * 24 * 3600_000, maxBytes: 1024 ** 3 }),
});

/** Largest message either stream accepts: a tick is ~80 bytes, a quarantined message keeps its original payload. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** Subjects of MARKET for `prefix`. */
export function marketSubjects(prefix: string): string[] {
  return [`${prefix}.trade.*`, `${prefix}.quote.*`];
}

/** Subjects of QUARANTINE for `prefix`. */
export function quarantineSubjects(prefix: string): string[] {
  return [`${prefix}.>`];
}

export type EnsureAction = 'created' | 'updated' | 'unchanged';

export interface EnsureResult {
  readonly market: EnsureAction;
  readonly quarantine: EnsureAction;
}

/** Creates or updates MARKET and QUARANTINE. Safe to run concurrently from several processes (a lost create race is retried as an update). */
export async function ensureStreams(jsm: JetStreamManager, config: MarketStreamsConfig = DEFAULT_MARKET_STREAMS): Promise<EnsureResult> {
  const market = await ensureStream(jsm, config.market, marketSubjects(config.market.prefix));
  const quarantine = await ensureStream(jsm, config.quarantine, quarantineSubjects(config.quarantine.prefix));
  return { market, quarantine };
}

/** Creates or updates one stream with the managed fields below. */
export async function ensureStream(jsm: JetStreamManager, limits: StreamLimits, subjects: string[]): Promise<EnsureAction> {
  const want: Partial<StreamConfig> & { name: string } = {
    name: limits.name,
    subjects,
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    max_age: limits.maxAgeMs > 0 ? nanos(limits.maxAgeMs) : 0,
    max_bytes: limits.maxBytes,
    max_msg_size: MAX_MESSAGE_BYTES,
    num_replicas: 1,
  };
  for (let attempt = 0; ; attempt++) {
    const have = await streamInfo(jsm, limits.name);
    try {
      if (!have) {
        await jsm.streams.add(want);
        return 'created';
      }
      if (have.config.storage !== want.storage) {
        throw new BourseError('config_invalid', `stream ${limits.name} uses ${have.config.storage} storage; ${want.storage} is required and storage cannot change on a live stream (delete or rename it)`);
      }
      if (sameManagedFields(have, want)) return 'unchanged';
      await jsm.streams.update(limits.name, { ...have.config, ...want });
      return 'updated';
    } catch (err) {
      if (err instanceof BourseError) throw err;
      // Another process created it between our info and add: look again, once.
      if (!have && attempt === 0 && apiErrCode(err) === STREAM_NAME_IN_USE) continue;
      throw new BourseError('config_invalid', `cannot ensure stream ${limits.name} (${subjects.join(', ')}): ${(err as Error).message}`, { cause: err });
    }
  }
}

const STREAM_NOT_FOUND = 10059;
const STREAM_NAME_IN_USE = 10058;

/** The stream's info, or undefined when it does not exist. */
export async function streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
  try {
    return await jsm.streams.info(name);
  } catch (err) {
    if (apiErrCode(err) === STREAM_NOT_FOUND) return undefined;
    throw err;
  }
}

/** The JetStream API error code (err_code) of a failed request, if any. */
export function apiErrCode(err: unknown): number | undefined {
  return (err as { api_error?: { err_code?: number } } | null)?.api_error?.err_code;
}

function sameManagedFields(have: StreamInfo, want: Partial<StreamConfig>): boolean {
  const c = have.config;
  const subjects = [...(c.subjects ?? [])].sort().join(' ');
  return (
    subjects === [...(want.subjects ?? [])].sort().join(' ') &&
    c.retention === want.retention &&
    c.discard === want.discard &&
    c.max_age === want.max_age &&
    c.max_bytes === want.max_bytes &&
    c.max_msg_size === want.max_msg_size
  );
}

import type { JetStreamManager } from 'nats';
import { uniqueSuffix } from './nats.js';

/** Bourse's NATS settings with stream, subject and durable names unique to this test. */
export interface BourseNatsEnv {
  readonly env: {
    readonly NATS_URL: string;
    readonly NATS_MARKET_STREAM: string;
    readonly NATS_QUARANTINE_STREAM: string;
    readonly NATS_SUBJECT_PREFIX: string;
    readonly NATS_QUARANTINE_PREFIX: string;
    readonly NATS_DURABLE: string;
  };
  /** Deletes the streams the test's server created. */
  cleanup(jsm: JetStreamManager): Promise<void>;
}

export function bourseNatsEnv(url: string): BourseNatsEnv {
  const id = uniqueSuffix();
  const env = {
    NATS_URL: url,
    NATS_MARKET_STREAM: `MARKET_${id}`,
    NATS_QUARANTINE_STREAM: `QUARANTINE_${id}`,
    NATS_SUBJECT_PREFIX: `md_${id}`,
    NATS_QUARANTINE_PREFIX: `q_${id}`,
    NATS_DURABLE: `ingest_${id}`,
  };
  return {
    env,
    async cleanup(jsm) {
      for (const s of [env.NATS_MARKET_STREAM, env.NATS_QUARANTINE_STREAM]) await jsm.streams.delete(s).catch(() => undefined);
    },
  };
}

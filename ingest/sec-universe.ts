import { hostname } from 'node:os';
import { BourseError, Universe, type Company, type Config, type Logger } from '../core/index.js';
import { connectNats, type NatsHandle } from './jetstream/index.js';
import { CompanyDirectory, CompanyDirectoryConsumer, readCompanyState, type CompanyRecord } from './sec/index.js';

/**
 * The symbol universe from the SEC stream (UNIVERSE_SOURCE=sec): every listing
 * with a known venue of every company whose last event the stream holds, in
 * CIK order (ids are stable for the process; shard placement is by ticker hash,
 * so it does not depend on this order). Run `bourse sec sync` first.
 */
export async function loadSecUniverse(config: Config): Promise<Universe> {
  if (!config.natsUrl) throw new BourseError('config_invalid', 'UNIVERSE_SOURCE=sec needs NATS_URL');
  const nats = await connectNats({ servers: config.natsUrl.split(',').map((s) => s.trim()), name: `bourse-universe-${process.pid}` });
  try {
    const state = await readCompanyState(nats.nc, { name: config.secStream, prefix: config.secSubjectPrefix }).catch((err: Error) => {
      throw new BourseError('config_invalid', `UNIVERSE_SOURCE=sec: cannot read stream ${config.secStream} (${err.message}); run \`bourse sec sync\` first`);
    });
    const companies = listingsOf([...state.companies.values()].map((c) => c.record));
    if (companies.length === 0) throw new BourseError('config_invalid', `UNIVERSE_SOURCE=sec: stream ${config.secStream} holds no listed company; run \`bourse sec sync\` first`);
    return new Universe(companies.slice(0, config.universeSize));
  } finally {
    await nats.close();
  }
}

/** The universe's view of company records: one entry per listing with a known venue, in CIK order. */
export function listingsOf(records: Iterable<CompanyRecord>): Company[] {
  const companies: Company[] = [];
  for (const record of [...records].sort((a, b) => a.cik - b.cik)) {
    for (const l of record.tickers) if (l.exchange) companies.push({ symbol: l.ticker, name: record.name, exchange: l.exchange });
  }
  return companies;
}

/**
 * Follows the SEC stream while the server runs (UNIVERSE_SOURCE=sec): a
 * per-process durable consumer keeps a CompanyDirectory current, and after
 * each change (debounced) `onListings` gets every listing, so the supervisor
 * can add new symbols and update names without a restart. The durable is
 * deleted at stop, and by the NATS server after 5 minutes if this process
 * died without stopping.
 */
export class SecUniverseFollower {
  readonly #config: Config;
  readonly #log: Pick<Logger, 'info' | 'warn' | 'error'>;
  readonly #onListings: (companies: Company[]) => void;
  readonly #directory = new CompanyDirectory();
  readonly #durable = `bourse-universe-${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '_');
  #nats: NatsHandle | undefined;
  #consumer: CompanyDirectoryConsumer | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(config: Config, log: Pick<Logger, 'info' | 'warn' | 'error'>, onListings: (companies: Company[]) => void, readonly debounceMs = 200) {
    this.#config = config;
    this.#log = log;
    this.#onListings = onListings;
  }

  async start(): Promise<void> {
    const c = this.#config;
    this.#nats = await connectNats({ servers: c.natsUrl!.split(',').map((s) => s.trim()), name: this.#durable });
    this.#directory.onChange(() => {
      if (this.#timer) return;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#onListings(listingsOf(this.#directory.companies()));
      }, this.debounceMs);
    });
    this.#consumer = new CompanyDirectoryConsumer({
      nc: this.#nats.nc,
      directory: this.#directory,
      stream: { name: c.secStream, prefix: c.secSubjectPrefix },
      durable: this.#durable,
      inactiveThresholdMs: 300_000,
      log: this.#log,
    });
    await this.#consumer.start();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    await this.#consumer?.stop();
    const nats = this.#nats;
    if (!nats || nats.nc.isClosed()) return;
    await (await nats.nc.jetstreamManager()).consumers.delete(this.#config.secStream, this.#durable).catch(() => undefined);
    await nats.close();
  }
}

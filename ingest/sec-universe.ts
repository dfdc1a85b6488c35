import { BourseError, Universe, type Company, type Config } from '../core/index.js';
import { connectNats } from './jetstream/index.js';
import { readCompanyState } from './sec/index.js';

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
    const companies: Company[] = [];
    for (const { record } of [...state.companies.values()].sort((a, b) => a.record.cik - b.record.cik)) {
      for (const l of record.tickers) if (l.exchange) companies.push({ symbol: l.ticker, name: record.name, exchange: l.exchange });
    }
    if (companies.length === 0) throw new BourseError('config_invalid', `UNIVERSE_SOURCE=sec: stream ${config.secStream} holds no listed company; run \`bourse sec sync\` first`);
    return new Universe(companies.slice(0, config.universeSize));
  } finally {
    await nats.close();
  }
}

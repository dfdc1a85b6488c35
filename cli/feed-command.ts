import { parseArgs } from 'node:util';
import { SIM_PROFILES, systemClock, type Config, type FeedSource } from '../core/index.js';
import { JetStreamPublisher, connectNats } from '../ingest/jetstream/index.js';
import { SimulatorFeedSource } from '../ingest/simulator-feed-source.js';
import { loadUniverse } from '../ingest/universe-loader.js';

const USAGE = `usage: bourse feed simulate [--rate N] [--profile steady|open|news] [--seed N] [--duration S]

Runs a feed as its own process, publishing ticks into the JetStream stream
NATS_MARKET_STREAM (needs NATS_URL); a server with the same NATS settings
consumes them. Stops on SIGINT/SIGTERM or after --duration seconds.
`;

/** `bourse feed ...`: a producer process publishing into MARKET. */
export async function feedCommand(config: Config, args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [kind, ...rest] = args;
  if (kind !== 'simulate') return (err.write(USAGE), 2);
  let opts: { rate?: string; profile?: string; seed?: string; duration?: string };
  try {
    opts = parseArgs({ args: rest, options: { rate: { type: 'string' }, profile: { type: 'string' }, seed: { type: 'string' }, duration: { type: 'string' } } }).values;
  } catch (e) {
    return (err.write(`bourse feed: ${(e as Error).message}\n${USAGE}`), 2);
  }
  const int = (name: string, v: string | undefined, fallback: number, min: number, max: number): number | undefined => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    err.write(`bourse feed: --${name} must be an integer from ${min} to ${max}\n`);
    return undefined;
  };
  const rate = int('rate', opts.rate, config.simRate, 1, 2_000_000);
  const seed = int('seed', opts.seed, config.simSeed, 0, 2 ** 31 - 1);
  const duration = int('duration', opts.duration, 0, 0, 86_400 * 365);
  const profile = opts.profile ?? config.simProfile;
  if (rate === undefined || seed === undefined || duration === undefined) return 2;
  if (!(SIM_PROFILES as readonly string[]).includes(profile)) return (err.write(`bourse feed: --profile must be one of ${SIM_PROFILES.join(', ')}\n`), 2);
  if (!config.natsUrl) return (err.write('bourse feed: NATS_URL is not set (e.g. NATS_URL=nats://127.0.0.1:4222)\n'), 2);

  const universe = loadUniverse(config);
  const nats = await connectNats({ servers: config.natsUrl.split(',').map((s) => s.trim()), name: `bourse-feed-${process.pid}` });
  const publisher = new JetStreamPublisher({ nc: nats.nc, universe, prefix: config.natsSubjectPrefix, stream: config.natsMarketStream, clock: systemClock });
  const feed: FeedSource = new SimulatorFeedSource({ universe, rate, profile: profile as (typeof SIM_PROFILES)[number], seed, clock: systemClock });
  await feed.start(publisher);
  out.write(`bourse feed simulate: ${rate} ticks/s (${profile}) over ${universe.size} symbols → ${config.natsMarketStream}\n`);
  const report = setInterval(() => out.write(`published ${publisher.stats.acked} acked, ${publisher.stats.failed} failed, ${publisher.stats.dropped} dropped\n`), 5000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (duration > 0) setTimeout(resolve, duration * 1000).unref();
  });
  clearInterval(report);
  await feed.stop();
  await publisher.close();
  await nats.close();
  out.write(`stopped: ${publisher.stats.acked} ticks acked by JetStream, ${publisher.stats.failed + publisher.stats.dropped} not\n`);
  return publisher.stats.failed + publisher.stats.dropped > 0 ? 1 : 0;
}

import { parseArgs } from 'node:util';
import { SIM_PROFILES, createLogger, hasCode, publishTraceHeaders, startTracing, systemClock, type Config, type FeedSource } from '../core/index.js';
import { feedSettings } from '../ingest/feed-settings.js';
import { createFeedSource } from '../ingest/feeds/index.js';
import { JetStreamPublisher, connectNats } from '../ingest/jetstream/index.js';
import { resolveUniverse } from '../ingest/universe-source.js';

const USAGE = `usage: bourse feed simulate [--rate N] [--profile steady|open|news] [--seed N] [--duration S]
       bourse feed replay FILE [--speed N|max] [--symbol SPY] [--loop] [--event-time now|data] [--duration S]
       bourse feed finnhub [--duration S]     (FINNHUB_TOKEN, FEED_SYMBOLS)
       bourse feed alpaca [--duration S]      (ALPACA_KEY_ID, ALPACA_SECRET, FEED_SYMBOLS)

Runs a feed as its own process, publishing ticks into the JetStream stream
NATS_MARKET_STREAM (needs NATS_URL); a server with the same NATS settings
consumes them. Stops on SIGINT/SIGTERM or after --duration seconds.
`;

/** `bourse feed ...`: a producer process publishing into MARKET. */
export async function feedCommand(config: Config, args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [kind, ...rest] = args;
  if (!['simulate', 'replay', 'finnhub', 'alpaca'].includes(kind ?? '')) return (err.write(USAGE), 2);
  let opts: { rate?: string; profile?: string; seed?: string; duration?: string; speed?: string; symbol?: string; loop?: boolean; 'event-time'?: string };
  let positionals: string[];
  try {
    ({ values: opts, positionals } = parseArgs({
      args: rest,
      allowPositionals: kind === 'replay',
      options: {
        rate: { type: 'string' },
        profile: { type: 'string' },
        seed: { type: 'string' },
        duration: { type: 'string' },
        speed: { type: 'string' },
        symbol: { type: 'string' },
        loop: { type: 'boolean' },
        'event-time': { type: 'string' },
      },
    }));
  } catch (e) {
    return (err.write(`bourse feed: ${(e as Error).message}\n${USAGE}`), 2);
  }
  if (kind === 'replay' && positionals.length !== 1) return (err.write(`bourse feed replay: give one FILE\n${USAGE}`), 2);
  const speed = opts.speed === undefined ? config.feedSpeed : opts.speed === 'max' ? Number.POSITIVE_INFINITY : Number(opts.speed);
  if (!(speed > 0)) return (err.write('bourse feed: --speed must be a positive number or max\n'), 2);
  const eventTime = opts['event-time'] ?? config.feedEventTime;
  if (eventTime !== 'now' && eventTime !== 'data') return (err.write('bourse feed: --event-time must be now or data\n'), 2);
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

  const universe = await resolveUniverse(config);
  const log = createLogger(config.logLevel, { thread: 'feed' });
  const settings = feedSettings(
    {
      ...config,
      simRate: rate,
      simSeed: seed,
      simProfile: profile as (typeof SIM_PROFILES)[number],
      feedFile: kind === 'replay' ? positionals[0] : config.feedFile,
      feedSymbol: opts.symbol?.toUpperCase() ?? config.feedSymbol,
      feedSpeed: speed,
      feedLoop: opts.loop ?? config.feedLoop,
      feedEventTime: eventTime,
    },
    universe,
    log,
  );
  let feed: FeedSource;
  try {
    feed = createFeedSource(kind === 'simulate' ? 'simulator' : kind!, settings);
  } catch (e) {
    if (hasCode(e, 'config_invalid')) return (err.write(`bourse feed: ${(e as Error).message}\n`), 2);
    throw e;
  }
  const nats = await connectNats({ servers: config.natsUrl.split(',').map((s) => s.trim()), name: `bourse-feed-${process.pid}` });
  // Traced feeds start each tick's trace here: the server's ingest and shard spans join it through the traceparent header.
  const tracing = await startTracing(config, { thread: 'feed' });
  const publisher = new JetStreamPublisher({ nc: nats.nc, universe, prefix: config.natsSubjectPrefix, stream: config.natsMarketStream, clock: systemClock, headers: tracing ? publishTraceHeaders(tracing.tracer) : undefined });
  try {
    await feed.start(publisher);
  } catch (e) {
    await nats.close();
    return (err.write(`bourse feed ${kind}: ${(e as Error).message}\n`), hasCode(e, 'config_invalid') ? 2 : 1);
  }
  out.write(`bourse feed ${kind}: ${feed.name} → ${config.natsMarketStream} over ${universe.size} symbols\n`);
  const ended = 'done' in feed && typeof feed.done === 'function' ? (feed.done as () => Promise<{ reason: string }>)() : new Promise<{ reason: string }>(() => {});
  const report = setInterval(() => out.write(`published ${publisher.stats.acked} acked, ${publisher.stats.failed} failed, ${publisher.stats.dropped} dropped\n`), 5000);
  const outcome = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('stopped'));
    process.once('SIGTERM', () => resolve('stopped'));
    if (duration > 0) setTimeout(() => resolve('stopped'), duration * 1000).unref();
    void ended.then((d) => resolve(d.reason));
  });
  clearInterval(report);
  await feed.stop();
  await publisher.close();
  await nats.close();
  await tracing?.shutdown().catch(() => undefined);
  out.write(`stopped: ${publisher.stats.acked} ticks acked by JetStream, ${publisher.stats.failed + publisher.stats.dropped} not\n`);
  return outcome === 'failed' || publisher.stats.failed + publisher.stats.dropped > 0 ? 1 : 0;
}

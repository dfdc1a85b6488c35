import type { Config, Logger, Universe } from '../core/index.js';
import type { FeedEvent, FeedSettings } from './feeds/index.js';

/** The feed registry's settings from the configuration (one place for the server and `bourse feed`). */
export function feedSettings(config: Config, universe: Universe, log?: Pick<Logger, 'info' | 'warn' | 'error'>): FeedSettings {
  return {
    universe,
    onEvent: log ? (e) => logFeedEvent(log, e) : undefined,
    simulator: { rate: config.simRate, profile: config.simProfile, seed: config.simSeed, burst: config.simBurst },
    replay: config.feedFile
      ? { file: config.feedFile, symbol: config.feedSymbol, speed: config.feedSpeed, loop: config.feedLoop, eventTime: config.feedEventTime }
      : undefined,
    finnhub: config.finnhubToken ? { token: config.finnhubToken, url: config.finnhubUrl, symbols: config.feedSymbols } : undefined,
    alpaca:
      config.alpacaKeyId && config.alpacaSecret
        ? { keyId: config.alpacaKeyId, secret: config.alpacaSecret, url: config.alpacaUrl, symbols: config.feedSymbols }
        : undefined,
  };
}

/** Feed events to the log at their level; they never carry credentials. */
export function logFeedEvent(log: Pick<Logger, 'info' | 'warn' | 'error'>, e: FeedEvent): void {
  if (e.type === 'failed') log.error({ feed: e.feed, err: e.error.message }, 'feed failed');
  else if (e.type === 'disconnected' || e.type === 'server_error') log.warn({ ...e }, `feed ${e.type}`);
  else log.info({ ...e }, `feed ${e.type}`);
}

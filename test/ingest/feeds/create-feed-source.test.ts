import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../../core/clock.js';
import { hasCode } from '../../../core/errors.js';
import { AlpacaFeedSource, createFeedSource, CsvReplayFeedSource, FEED_NAMES, FinnhubFeedSource, type FeedSettings } from '../../../ingest/feeds/index.js';
import { SimulatorFeedSource } from '../../../ingest/simulator-feed-source.js';
import { universe } from './feed-test-kit.js';

const settings: FeedSettings = {
  universe,
  clock: new ManualClock(),
  simulator: { rate: 100, profile: 'steady', seed: 1 },
  replay: { file: '/dev/null' },
  finnhub: { token: 't', symbols: ['AAPL'] },
  alpaca: { keyId: 'k', secret: 's', symbols: ['AAPL'] },
};

test('createFeedSource: builds each known feed from its own settings section', () => {
  assert.deepEqual(FEED_NAMES, ['simulator', 'replay', 'finnhub', 'alpaca']);
  assert.ok(createFeedSource('simulator', settings) instanceof SimulatorFeedSource);
  assert.ok(createFeedSource('replay', settings) instanceof CsvReplayFeedSource);
  assert.ok(createFeedSource('finnhub', settings) instanceof FinnhubFeedSource);
  assert.ok(createFeedSource('alpaca', settings) instanceof AlpacaFeedSource);
  for (const name of FEED_NAMES) assert.equal(createFeedSource(name, settings).name, name);
});

test('createFeedSource: an unknown name, or a feed without its settings, is config_invalid naming the feed', () => {
  assert.throws(
    () => createFeedSource('bloomberg', settings),
    (err: unknown) => hasCode(err, 'config_invalid') && (err as Error).message === 'unknown feed "bloomberg" (known: simulator, replay, finnhub, alpaca)',
  );
  assert.throws(() => createFeedSource('toString', settings), /unknown feed "toString"/);
  assert.throws(
    () => createFeedSource('finnhub', { universe }),
    (err: unknown) => hasCode(err, 'config_invalid') && /feed "finnhub" is selected but its settings are missing/.test((err as Error).message),
  );
  assert.throws(() => createFeedSource('replay', { ...settings, replay: { file: '/dev/null', symbol: 'QQQ' } }), /replay: symbol QQQ is not in the universe/);
});

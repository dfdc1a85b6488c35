import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_TABLE, loadConfig } from '../../core/config.js';
import { hasCode } from '../../core/errors.js';

test('defaults: 8080 on all interfaces, simulator feed, threads from the core count', () => {
  const c = loadConfig({}, 2);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.port, 8080);
  assert.equal(c.feed, 'simulator');
  assert.equal(c.gatewayThreads, 2);
  assert.equal(c.shards, 1);
  assert.equal(loadConfig({}, 8).shards, 4);
  assert.equal(c.flushMs, 50);
  assert.ok(Object.isFrozen(c));
  assert.equal(loadConfig({}, 1).shards, 1);
  assert.equal(loadConfig({}, 64).gatewayThreads, 8);
});

test('environment overrides defaults, trimmed; empty means default', () => {
  const c = loadConfig({ PORT: ' 9001 ', FEED: 'none', FLUSH_MS: '20', HOST: '', SIM_PROFILE: 'news' }, 2);
  assert.equal(c.port, 9001);
  assert.equal(c.feed, 'none');
  assert.equal(c.flushMs, 20);
  assert.equal(c.host, '0.0.0.0');
  assert.equal(c.simProfile, 'news');
});

for (const [env, value, fragment] of [
  ['PORT', 'eighty', 'must be an integer'],
  ['PORT', '70000', 'between 0 and 65535'],
  ['FLUSH_MS', '1.5', 'must be an integer'],
  ['FEED', 'kafka', 'must be one of simulator, replay, finnhub, alpaca, none'],
  ['GATEWAY_THREADS', '0', 'between 1 and 64'],
  ['LOG_LEVEL', 'loud', 'must be one of'],
  ['BACKPRESSURE_HARD_BYTES', '2048', 'greater than BACKPRESSURE_SOFT_BYTES'],
  ['OPS_BURST', '1', 'at least OPS_PER_SECOND'],
] as const) {
  test(`invalid ${env}=${value} fails with config_invalid naming the variable`, () => {
    assert.throws(
      () => loadConfig({ [env]: value }, 2),
      (err: Error) => hasCode(err, 'config_invalid') && err.message.startsWith(`${env}=`) && err.message.includes(fragment),
    );
  });
}

test('every configuration variable is documented in the README table', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  for (const e of CONFIG_TABLE) assert.match(readme, new RegExp(`\\| \`${e.env}\` \\|`), `${e.env} missing from README`);
});

test('NATS settings: unset means in-process; URLs, stream names and prefixes are validated', () => {
  assert.equal(loadConfig({}, 2).natsUrl, undefined);
  const c = loadConfig({ NATS_URL: 'nats://127.0.0.1:4222,nats://10.0.0.2:4222', NATS_MARKET_STREAM: 'MARKET_T1' }, 2);
  assert.equal(c.natsUrl, 'nats://127.0.0.1:4222,nats://10.0.0.2:4222');
  assert.equal(c.natsMarketStream, 'MARKET_T1');
  for (const [env, value] of [
    ['NATS_URL', 'http://x'],
    ['NATS_URL', 'nats://a:1, '],
    ['NATS_MARKET_STREAM', 'MARKET.X'],
    ['NATS_DURABLE', 'has space'],
    ['NATS_SUBJECT_PREFIX', 'md.>'],
    ['NATS_QUARANTINE_PREFIX', 'md'],
    ['NATS_MAX_DELIVER', '1'],
  ] as const) {
    assert.throws(() => loadConfig({ [env]: value }, 2), (err: Error) => hasCode(err, 'config_invalid') && err.message.startsWith(`${env}=`), `${env}=${value}`);
  }
});

test('feeds: each one names the variable it is missing; speed accepts max; secrets are listed for redaction', async () => {
  const { SECRET_VARIABLES } = await import('../../core/config.js');
  for (const [env, missing] of [
    [{ FEED: 'replay' }, 'FEED_FILE'],
    [{ FEED: 'finnhub' }, 'FINNHUB_TOKEN'],
    [{ FEED: 'alpaca', ALPACA_SECRET: 's' }, 'ALPACA_KEY_ID'],
    [{ FEED: 'alpaca', ALPACA_KEY_ID: 'k' }, 'ALPACA_SECRET'],
    [{ FEED: 'replay', FEED_FILE: 'x.csv', FEED_SPEED: '0' }, 'FEED_SPEED'],
    [{ FEED: 'finnhub', FINNHUB_TOKEN: 't', FINNHUB_URL: 'http://x' }, 'FINNHUB_URL'],
  ] as const) {
    assert.throws(() => loadConfig(env, 2), (err: Error) => hasCode(err, 'config_invalid') && err.message.startsWith(`${missing}=`), missing);
  }
  const c = loadConfig({ FEED: 'replay', FEED_FILE: 'bars.csv', FEED_SPEED: 'max', FEED_SYMBOLS: 'aapl, msft' }, 2);
  assert.equal(c.feedSpeed, Number.POSITIVE_INFINITY);
  assert.deepEqual(c.feedSymbols, ['AAPL', 'MSFT']);
  assert.deepEqual([...SECRET_VARIABLES].sort(), ['adminToken', 'alpacaKeyId', 'alpacaSecret', 'authPrivateKey', 'databaseUrl', 'finnhubToken', 'redisUrl']);
  assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://u:hunter2@h/db' }, 2), (err: Error) => err.message.startsWith('DATABASE_URL=') && !err.message.includes('hunter2'), 'a bad database URL is named, never echoed');
  assert.throws(() => loadConfig({ BOURSE_ADMIN_TOKEN: 'short' }, 2), (err: Error) => err.message.startsWith('BOURSE_ADMIN_TOKEN=') && !err.message.includes('short'), 'a bad token is named, never echoed');
});

test('UNIVERSE_SOURCE: file needs UNIVERSE_FILE, sec needs NATS_URL', () => {
  assert.equal(loadConfig({}, 2).universeSource, 'auto');
  assert.throws(() => loadConfig({ UNIVERSE_SOURCE: 'file' }, 2), (err: Error) => err.message.startsWith('UNIVERSE_FILE='));
  assert.throws(() => loadConfig({ UNIVERSE_SOURCE: 'sec' }, 2), (err: Error) => err.message.startsWith('NATS_URL='));
  assert.equal(loadConfig({ UNIVERSE_SOURCE: 'sec', NATS_URL: 'nats://127.0.0.1:4222' }, 2).universeSource, 'sec');
});

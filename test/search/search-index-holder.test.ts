import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageChannel } from 'node:worker_threads';
import { RpcClient, serveRpc } from '../../core/rpc.js';
import { buildSearchIndex } from '../../core/search/search-index-builder.js';
import { parseQuery } from '../../core/search/search-text.js';
import type { SearchIndexMessage } from '../../domain/companies.js';
import { SearchIndexHolder } from '../../gateway/search-routes.js';

const build = (builtAt: number, tickers: string[]): SearchIndexMessage => ({
  index: buildSearchIndex(tickers.map((t) => ({ ticker: t, name: `${t} Corp`, exchange: 'NYSE', sic: null, sicDescription: null })), builtAt).buffer,
  builtAt,
});

test('a gateway without an index asks the store once, however many requests wait; then newer pushes swap it, older ones are ignored', async () => {
  const { port1, port2 } = new MessageChannel();
  let asked = 0;
  const served = build(100, ['AAA']);
  serveRpc(port2, { 'search.index': async () => (asked++, served) }, () => undefined);
  const store = new RpcClient();
  store.attach(port1);
  try {
    const holder = new SearchIndexHolder(store);
    assert.equal(holder.index, undefined);
    const [a, b, c] = await Promise.all([holder.get(), holder.get(), holder.get()]);
    assert.equal(asked, 1);
    assert.ok(a === b && b === c);
    // The buffer crossed a MessagePort: another object over the same memory (a write on one side shows on the other).
    new Int32Array(served.index, 0, 16)[15] = 77;
    assert.equal(new Int32Array(a.buffer, 0, 16)[15], 77, 'shared, not copied');

    holder.offer(build(200, ['BBB']));
    assert.deepEqual(holder.index!.search(parseQuery('b')!, { limit: 5 }).hits.map((h) => h.ticker), ['BBB']);
    holder.offer(build(150, ['CCC']));
    assert.equal(holder.index!.builtAt, 200, 'an older build arriving late does not replace a newer one');
    assert.equal(await holder.get(), holder.index);
    assert.equal(holder.offer({ index: new SharedArrayBuffer(16), builtAt: 999 }), false, 'not an index: refused, nothing thrown');
    assert.equal(holder.offer({ index: 'junk' as unknown as SharedArrayBuffer, builtAt: 999 }), false);
    assert.equal(holder.index!.builtAt, 200);
    assert.equal(asked, 1);
  } finally {
    store.close();
    port2.close();
  }
});

test('no store attached, or the store has no index yet: search_unavailable', async () => {
  const holder = new SearchIndexHolder(new RpcClient());
  await assert.rejects(holder.get(), (err: { code?: string }) => err.code === 'search_unavailable');

  const { port1, port2 } = new MessageChannel();
  const { BourseError } = await import('../../core/errors.js');
  serveRpc(port2, { 'search.index': async () => { throw new BourseError('search_unavailable'); } }, () => undefined);
  const store = new RpcClient();
  store.attach(port1);
  try {
    await assert.rejects(new SearchIndexHolder(store).get(), (err: { code?: string }) => err.code === 'search_unavailable');
  } finally {
    store.close();
    port2.close();
  }
});

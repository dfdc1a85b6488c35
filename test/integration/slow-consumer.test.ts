import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { test } from 'node:test';
import type { ServerHandle } from '../../cli/supervisor.js';
import { startTestServer, until } from '../helpers/server.js';
import { TestClient } from '../helpers/ws-client.js';

interface GatewayStats {
  stream: { backpressureSkips: number; backpressureRecoveries: number; slowConsumerCloses: number; closesByCode: Record<string, number> };
}

async function totals(server: ServerHandle): Promise<GatewayStats['stream']> {
  const all = (await server.gatewayStats()) as (GatewayStats | null)[];
  const sum = { backpressureSkips: 0, backpressureRecoveries: 0, slowConsumerCloses: 0, closesByCode: {} as Record<string, number> };
  for (const g of all) {
    if (!g) continue;
    sum.backpressureSkips += g.stream.backpressureSkips;
    sum.backpressureRecoveries += g.stream.backpressureRecoveries;
    sum.slowConsumerCloses += g.stream.slowConsumerCloses;
  }
  return sum;
}

/** A client that subscribes to every symbol on every channel, then stops reading its socket. */
async function stalledClient(server: ServerHandle): Promise<{ c: TestClient; socket: Socket }> {
  const c = await TestClient.connect(server.port);
  const symbols = server.universe.companies.map((x) => x.symbol);
  c.send({ op: 'subscribe', symbols, channels: ['quotes', 'trades', 'bars'] });
  await until(() => c.ofType('snapshot').length === symbols.length, 5000, 'snapshots');
  const socket = (c.ws as unknown as { _socket: Socket })._socket;
  socket.pause();
  return { c, socket };
}

const busy = { FEED: 'simulator', SIM_RATE: '40000', SIM_SEED: '7', UNIVERSE_SIZE: '200', GATEWAY_THREADS: '1' };

test('slow consumer: over the soft limit quotes are skipped; once drained a fresh snapshot arrives', async () => {
  const server = await startTestServer({ ...busy, BACKPRESSURE_SOFT_BYTES: '65536', BACKPRESSURE_HARD_BYTES: '268435456' });
  try {
    const healthy = await TestClient.connect(server.port);
    healthy.send({ op: 'subscribe', symbols: ['AAPL'] });
    const { c, socket } = await stalledClient(server);
    let stats = await totals(server);
    await until(async () => (stats = await totals(server)).backpressureSkips > 0, 10_000, 'a backpressure skip');
    assert.equal(stats.backpressureSkips, 1, 'the stalled socket went over the soft limit');
    const before = c.ofType('snapshot').length;
    socket.resume();
    await until(() => c.ofType('snapshot').length >= before + server.universe.size, 20000, 'fresh snapshots after drain');
    stats = await totals(server);
    assert.equal(stats.backpressureRecoveries, 1);
    assert.equal(stats.slowConsumerCloses, 0);
    const quotes = healthy.ofType('quote', 'AAPL');
    const seqs = quotes.map((q) => q.seq);
    assert.ok(seqs.length > 10 && seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), 'a healthy client on the same gateway saw no gap');
    c.close();
    healthy.close();
  } finally {
    await server.stop();
  }
});

test('slow consumer: past the hard limit the socket is closed with 4001', async () => {
  const server = await startTestServer({ ...busy, BACKPRESSURE_SOFT_BYTES: '32768', BACKPRESSURE_HARD_BYTES: '262144' });
  try {
    const { c, socket } = await stalledClient(server);
    let stats = await totals(server);
    await until(async () => (stats = await totals(server)).slowConsumerCloses > 0, 10_000, 'a slow-consumer close');
    assert.equal(stats.slowConsumerCloses, 1);
    socket.resume();
    const closed = await c.closed;
    assert.equal(closed.code, 4001);
    assert.equal(closed.reason, 'slow_consumer');
  } finally {
    await server.stop();
  }
});

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { test } from 'node:test';
import { bourseNatsEnv } from '../helpers/bourse-nats.js';
import { natsFixture } from '../helpers/nats.js';
import { startTestServer, until } from '../helpers/server.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  thread: string;
  attributes: Record<string, unknown>;
}

/** A minimal OTLP/HTTP (JSON) trace receiver: what a collector would get from each thread. */
async function otlpReceiver(): Promise<{ url: string; spans: OtlpSpan[]; server: Server }> {
  const spans: OtlpSpan[] = [];
  const attrs = (list: { key: string; value: Record<string, unknown> }[] = []) => Object.fromEntries(list.map((a) => [a.key, Object.values(a.value)[0]]));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { resourceSpans: { resource: { attributes: never[] }; scopeSpans: { spans: (Omit<OtlpSpan, 'thread' | 'attributes'> & { attributes: never[] })[] }[] }[] };
        for (const rs of body.resourceSpans) {
          const thread = String(attrs(rs.resource.attributes)['bourse.thread']);
          for (const ss of rs.scopeSpans) for (const s of ss.spans) spans.push({ ...s, thread, attributes: attrs(s.attributes) });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, spans, server };
}

test('OTLP from a running server: each thread exports its spans; a tick traces publish → process (ingest) → actor.apply (shard); HTTP routes → store RPCs → their DB queries in one trace', async () => {
  const nats = await natsFixture();
  const streams = bourseNatsEnv(nats.url);
  const otlp = await otlpReceiver();
  // The SDK's batch processor reads its delay from the environment (worker threads copy it at start).
  const before = process.env.OTEL_BSP_SCHEDULE_DELAY;
  process.env.OTEL_BSP_SCHEDULE_DELAY = '200';
  const server = await startTestServer({
    ...streams.env,
    FEED: 'simulator',
    SIM_RATE: '20',
    UNIVERSE_SIZE: '20',
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_SERVICE_NAME: 'bourse-test',
  });
  try {
    const r = await fetch(`http://127.0.0.1:${server.port}/v1/bars/AAPL`);
    assert.equal(r.status, 200, await r.text());
    const applies = () => otlp.spans.filter((s) => s.name === 'actor.apply');
    // Each thread exports on its own schedule: wait until three actor spans have arrived with their
    // process and publish spans (from the ingest thread), besides the gateway's and the store's.
    const linked = (): OtlpSpan[] => {
      const ids = new Set(otlp.spans.map((s) => s.spanId));
      const parentOf = new Map(otlp.spans.map((s) => [s.spanId, s.parentSpanId]));
      return applies().filter((a) => ids.has(a.parentSpanId!) && ids.has(parentOf.get(a.parentSpanId!)!));
    };
    await until(() => linked().length >= 3 && otlp.spans.some((s) => s.name === 'GET /v1/bars/:symbol') && otlp.spans.some((s) => s.name.startsWith('rpc ')), 20_000, 'spans from ingest, shards, gateway and store');
    const byId = new Map(otlp.spans.map((s) => [s.spanId, s]));
    for (const apply of linked().slice(0, 3)) {
      assert.match(apply.thread, /^shard-\d$/);
      const proc = byId.get(apply.parentSpanId!);
      assert.ok(proc, 'the actor span has its process span');
      assert.equal(proc.thread, 'ingest');
      assert.match(proc.name, new RegExp(`^process ${streams.env.NATS_SUBJECT_PREFIX}\\.(trade|quote)\\.`));
      const pub = byId.get(proc.parentSpanId!);
      assert.ok(pub, 'the process span has its publish span');
      assert.match(pub.name, /^publish /);
      assert.equal(pub.parentSpanId ?? '', '', 'publish is the root');
      assert.ok(apply.traceId === proc.traceId && proc.traceId === pub.traceId, 'one trace');
      assert.equal(apply.attributes['bourse.symbol'], pub.attributes['bourse.symbol']);
    }
    const http = otlp.spans.find((s) => s.name === 'GET /v1/bars/:symbol')!;
    assert.match(http.thread, /^gateway-\d$/);
    assert.equal(http.attributes['http.response.status_code'], 200);
    const rpc = otlp.spans.find((s) => s.name.startsWith('rpc bars.'));
    assert.ok(rpc, otlp.spans.map((s) => s.name).filter((n) => n.startsWith('rpc')).join());
    assert.equal(rpc.thread, 'store');
    // The RPC carried the request's trace context from the gateway thread to the store thread.
    assert.equal(rpc.parentSpanId, http.spanId, 'the store RPC span is a child of the HTTP request span');
    assert.equal(rpc.traceId, http.traceId);
    const query = otlp.spans.find((s) => s.parentSpanId === rpc.spanId);
    assert.ok(query, 'a DB query span under the RPC span');
    assert.equal(query.attributes['db.system.name'], 'postgresql');
    assert.match(String(query.attributes['db.query.text']), /bars_1m/);
  } finally {
    await server.stop();
    if (before === undefined) delete process.env.OTEL_BSP_SCHEDULE_DELAY;
    else process.env.OTEL_BSP_SCHEDULE_DELAY = before;
    otlp.server.close();
    await streams.cleanup(nats.jsm);
    await nats.close();
  }
});

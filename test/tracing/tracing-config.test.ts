import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { activeTraceparent, createLogger, dbSpanObserver, httpRequestTracer, hasCode, loadConfig, startTracing, threadTracer, traceAlertFiring, tracedRpcHandler, tracingSettings } from '../../core/index.js';

const config = (env: Record<string, string> = {}) => loadConfig(env, 2);

test('tracing is off by default, on with an exporter or an OTLP endpoint, and OTEL_SDK_DISABLED wins', () => {
  assert.equal(tracingSettings(config()), undefined);
  assert.equal(tracingSettings(config({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })), undefined);
  assert.equal(tracingSettings(config({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }))?.exporter, 'otlp');
  assert.equal(tracingSettings(config({ OTEL_TRACES_EXPORTER: 'console' }))?.exporter, 'console');
  assert.equal(tracingSettings(config({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' })), undefined);
  const s = tracingSettings(config({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' }));
  assert.deepEqual([s?.sampler, s?.ratio, s?.protocol, s?.serviceName], ['parentbased_traceidratio', 0.25, 'http/protobuf', 'bourse']);
  for (const [k, v] of [['OTEL_TRACES_EXPORTER', 'jaeger'], ['OTEL_TRACES_SAMPLER_ARG', '2'], ['OTEL_TRACES_SAMPLER', 'sometimes'], ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'], ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc']]) {
    assert.throws(() => config({ [k]: v }), (e: unknown) => hasCode(e, 'config_invalid') && (e as Error).message.includes(k), k);
  }
});

test('startTracing: nothing while off; with the SDK on, RPC spans parent their DB query spans, alert firings are spans, and log lines inside a span carry its ids', async () => {
  assert.equal(await startTracing(config(), { thread: 'store' }), undefined);
  assert.equal(threadTracer(), undefined);
  traceAlertFiring({ alertId: 1, symbol: 'AAPL', rule: 'price_above' }); // off: a no-op, no throw

  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const tracing = await startTracing(config({ OTEL_TRACES_SAMPLER: 'always_on' }), { thread: 'store' }, { spanProcessors: [processor] });
  assert.ok(tracing);
  try {
    assert.equal(threadTracer(), tracing.tracer);
    const onQuery = dbSpanObserver(tracing.tracer);
    const lines: string[] = [];
    const log = createLogger('info', { thread: 'store' }, { write: (l) => void lines.push(l) });
    const handler = tracedRpcHandler(tracing.tracer, 'bars.list', async (p: { symbol: string }) => {
      await new Promise((r) => setTimeout(r, 5));
      onQuery({ sql: 'select * from bars_1m where symbol = $1', ms: 3, failed: false });
      log.info({ symbol: p.symbol }, 'listed');
      traceAlertFiring({ alertId: 7, symbol: p.symbol, rule: 'price_above', value: 101 });
      return 1;
    });
    assert.equal(await handler({ symbol: 'AAPL' }), 1);
    log.info('outside any span');
    await processor.forceFlush(); // the exporter waits for the resource's detected attributes
    const spans = exporter.getFinishedSpans();
    const rpc = spans.find((s) => s.name === 'rpc bars.list')!;
    const query = spans.find((s) => s.name === 'SELECT postgresql')!;
    const alert = spans.find((s) => s.name === 'alert.fire')!;
    assert.ok(rpc && query && alert, spans.map((s) => s.name).join());
    assert.equal(query.parentSpanContext?.spanId, rpc.spanContext().spanId);
    assert.equal(alert.parentSpanContext?.spanId, rpc.spanContext().spanId);
    assert.equal(query.attributes['db.query.text'], 'select * from bars_1m where symbol = $1');
    assert.equal(alert.attributes['bourse.alert.id'], '7');
    assert.equal(rpc.resource.attributes['bourse.thread'], 'store');
    const [inside, outside] = lines.map((l) => JSON.parse(l) as { trace_id?: string; span_id?: string; thread: string });
    assert.equal(inside.trace_id, rpc.spanContext().traceId);
    assert.equal(inside.span_id, rpc.spanContext().spanId);
    assert.equal(inside.thread, 'store');
    assert.equal(outside.trace_id, undefined);

    const failing = tracedRpcHandler(tracing.tracer, 'bars.fail', async () => {
      throw new Error('boom');
    });
    await assert.rejects(failing({}), /boom/);
    await processor.forceFlush();
    assert.equal(exporter.getFinishedSpans().find((s) => s.name === 'rpc bars.fail')?.status.code, 2);

    // A request span on one thread, its RPC on another: the traceparent the call carries makes the RPC span its child.
    const request = httpRequestTracer(tracing.tracer)('get', '/v1/bars/:symbol');
    const traceparent = request.run(() => activeTraceparent());
    assert.match(traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    assert.equal(activeTraceparent(), undefined, 'outside the request no span is active');
    const child = tracedRpcHandler(tracing.tracer, 'bars.page', async () => 2);
    assert.equal(await child({}, { traceparent }), 2);
    request.end(200);
    await processor.forceFlush();
    const http = exporter.getFinishedSpans().find((s) => s.name === 'GET /v1/bars/:symbol')!;
    const page = exporter.getFinishedSpans().find((s) => s.name === 'rpc bars.page')!;
    assert.equal(http.attributes['http.response.status_code'], 200);
    assert.equal(page.parentSpanContext?.spanId, http.spanContext().spanId);
    assert.equal(page.spanContext().traceId, http.spanContext().traceId);
  } finally {
    await tracing.shutdown();
  }
  assert.equal(threadTracer(), undefined);
});

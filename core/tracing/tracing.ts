import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { Config } from '../config.js';

/**
 * OpenTelemetry traces, configured by the standard OTEL_* variables (read
 * through core/config.ts) and OFF by default: with OTEL_SDK_DISABLED=true, or
 * with no exporter chosen (OTEL_TRACES_EXPORTER unset and no
 * OTEL_EXPORTER_OTLP_ENDPOINT, or `none`), the SDK is not even imported
 * and every hook below is absent, so the hot paths pay one `undefined` check.
 *
 * Each thread runs its own SDK (spans are exported by the thread that made
 * them, with `bourse.thread` and `bourse.shard` on the resource); traces join
 * across threads through the W3C trace context carried in NATS headers and in
 * the trace slot table (trace-slots.ts).
 */
export interface TracingSettings {
  readonly exporter: 'otlp' | 'console';
  readonly endpoint: string | undefined;
  readonly protocol: 'http/protobuf' | 'http/json';
  readonly sampler: Config['otelTracesSampler'];
  readonly ratio: number;
  readonly serviceName: string;
}

/** What the configuration asks for; undefined = tracing off. */
export function tracingSettings(config: Config): TracingSettings | undefined {
  if (config.otelSdkDisabled) return undefined;
  const exporter = config.otelTracesExporter ?? (config.otelExporterOtlpEndpoint ? 'otlp' : 'none');
  if (exporter === 'none') return undefined;
  return {
    exporter,
    endpoint: config.otelExporterOtlpEndpoint,
    protocol: config.otelExporterOtlpProtocol,
    sampler: config.otelTracesSampler,
    ratio: config.otelTracesSamplerArg === undefined ? 1 : Number(config.otelTracesSamplerArg),
    serviceName: config.otelServiceName,
  };
}

export interface Tracing {
  readonly tracer: Tracer;
  /** Flushes what is buffered and stops the SDK. */
  shutdown(): Promise<void>;
}

/** A span processor, as the SDK defines it (narrow: tests pass a SimpleSpanProcessor over an in-memory exporter). */
export type SpanProcessorLike = object;

let current: Tracer | undefined;

/** This thread's tracer, once startTracing() turned tracing on; undefined otherwise. */
export function threadTracer(): Tracer | undefined {
  return current;
}

/**
 * Starts this thread's SDK when the configuration turns tracing on (else
 * resolves undefined and loads nothing). `spanProcessors` replaces the
 * exporter from the configuration (tests: an in-memory exporter).
 */
export async function startTracing(config: Config, who: { thread: string; shard?: number }, opts: { spanProcessors?: SpanProcessorLike[] } = {}): Promise<Tracing | undefined> {
  const s = tracingSettings(config);
  if (!s && !opts.spanProcessors) return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const base = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
  const settings = s ?? { exporter: 'console', endpoint: undefined, protocol: 'http/json', sampler: config.otelTracesSampler, ratio: 1, serviceName: config.otelServiceName };
  const processors = opts.spanProcessors ?? [new base.BatchSpanProcessor(await exporterFor(settings, base))];
  const sdk = new NodeSDK({
    serviceName: settings.serviceName,
    resource: resourceFromAttributes({ 'service.name': settings.serviceName, 'bourse.thread': who.thread, ...(who.shard === undefined ? {} : { 'bourse.shard': who.shard }) }),
    sampler: samplerFor(settings, base),
    spanProcessors: processors as never,
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
    // Metrics are prom-client's (/metrics); no OTel metric or log exporters are started from the environment.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const tracer = trace.getTracer('bourse');
  current = tracer;
  return {
    tracer,
    async shutdown() {
      current = undefined;
      await sdk.shutdown();
    },
  };
}

type SdkTraceBase = typeof import('@opentelemetry/sdk-trace-base');

async function exporterFor(s: TracingSettings, base: SdkTraceBase): Promise<import('@opentelemetry/sdk-trace-base').SpanExporter> {
  if (s.exporter === 'console') return new base.ConsoleSpanExporter();
  // The OTLP exporters come with @opentelemetry/sdk-node; the URL is the signal path under the base endpoint.
  const url = s.endpoint ? `${s.endpoint.replace(/\/+$/, '')}/v1/traces` : undefined;
  if (s.protocol === 'http/json') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter(url ? { url } : {});
  }
  const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  return new OTLPTraceExporter(url ? { url } : {});
}

function samplerFor(s: TracingSettings, base: SdkTraceBase): import('@opentelemetry/sdk-trace-base').Sampler {
  const ratio = new base.TraceIdRatioBasedSampler(s.ratio);
  switch (s.sampler) {
    case 'always_on':
      return new base.AlwaysOnSampler();
    case 'always_off':
      return new base.AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new base.ParentBasedSampler({ root: new base.AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new base.ParentBasedSampler({ root: ratio });
    default:
      return new base.ParentBasedSampler({ root: new base.AlwaysOnSampler() });
  }
}

/**
 * A span for work that has already happened (the hooks below learn a
 * duration after the fact): it starts `ms` ago and ends now, under the
 * active context (or `parent`).
 */
export function pastSpan(tracer: Tracer, name: string, ms: number, attributes: Record<string, string | number | boolean>, opts: { kind?: SpanKind; failed?: boolean; parent?: Context } = {}): Span {
  const end = Date.now();
  const span = tracer.startSpan(name, { kind: opts.kind ?? SpanKind.INTERNAL, startTime: end - ms, attributes }, opts.parent ?? context.active());
  if (opts.failed) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end(end);
  return span;
}

/** One request's span, as HttpApi drives it (core stays free of the framework and the framework of OTel). */
export interface RequestSpan {
  /** Runs `fn` with this span active, so what it awaits (store RPCs) is traced under it. */
  run<T>(fn: () => T): T;
  end(status: number): void;
}

/**
 * HttpApi's `trace` hook: a SERVER span per request, `GET /v1/bars/:symbol`,
 * open while the handler runs (a store RPC it makes carries the span's
 * context to the store thread), ended with the status when the answer goes out.
 */
export function httpRequestTracer(tracer: Tracer): (method: string, route: string) => RequestSpan {
  return (method, route) => {
    const verb = method === 'del' ? 'DELETE' : method.toUpperCase();
    const span = tracer.startSpan(`${verb} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': verb, 'http.route': route } }, ROOT_CONTEXT);
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    return {
      run: (fn) => context.with(ctx, fn),
      end(status) {
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      },
    };
  };
}

/** The active span's W3C `traceparent`, for a message to another thread; undefined without one. */
export function activeTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** openDatabase's `onQuery` hook as a span per query (`db.query.text` cut to 500 characters, the operation as the name). */
export function dbSpanObserver(tracer: Tracer, system: 'postgresql' = 'postgresql'): (e: { sql: string; ms: number; failed: boolean }) => void {
  return (e) => {
    const op = /^\s*(\w+)/.exec(e.sql)?.[1]?.toUpperCase() ?? 'QUERY';
    pastSpan(tracer, `${op} ${system}`, e.ms, { 'db.system.name': system, 'db.operation.name': op, 'db.query.text': e.sql.slice(0, 500) }, { kind: SpanKind.CLIENT, failed: e.failed });
  };
}

/**
 * A store RPC handler run inside a SERVER span `rpc <method>`, made active so
 * the handler's database query spans (dbSpanObserver) nest under it, and
 * itself the child of the caller's span when the call carried a traceparent.
 */
export function tracedRpcHandler<P, R>(tracer: Tracer, method: string, handler: (params: P, meta?: { traceparent?: string }) => Promise<R>): (params: P, meta?: { traceparent?: string }) => Promise<R> {
  return (params, meta) => {
    // The caller's span (an HTTP request on a gateway) is the parent when the call carried its context.
    const parent = meta?.traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent: meta.traceparent }) : context.active();
    return tracer.startActiveSpan(`rpc ${method}`, { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'bourse', 'rpc.method': method } }, parent, async (span) => {
      try {
        return await handler(params, meta);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    });
  };
}

/**
 * One `alert.fire` span per recorded firing, under the active context (the
 * store calls it once a firing is committed: domain/alert-firings.ts); it
 * does nothing while tracing is off.
 *
 *   traceAlertFiring({ alertId, symbol, rule: 'above', value })
 */
export function traceAlertFiring(fields: { alertId: string | number; symbol: string; rule: string; value?: number; investorId?: string }, tracer: Tracer | undefined = current): void {
  if (!tracer) return;
  const attributes: Record<string, string | number> = { 'bourse.alert.id': String(fields.alertId), 'bourse.symbol': fields.symbol, 'bourse.alert.rule': fields.rule };
  if (fields.value !== undefined) attributes['bourse.alert.value'] = fields.value;
  if (fields.investorId !== undefined) attributes['bourse.investor.id'] = fields.investorId;
  tracer.startSpan('alert.fire', { kind: SpanKind.INTERNAL, attributes }).end();
}

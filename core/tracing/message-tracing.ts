import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context (`traceparent`, `tracestate`) on NATS messages. An
 * explicit propagator, not the global one: the context must travel even when
 * a test drives the components with its own tracer provider.
 */
const w3c = new W3CTraceContextPropagator();

/** The narrow header shape read here (nats.js MsgHdrs fits). */
export interface HeaderReader {
  get(key: string): string;
}

/**
 * A publisher `headers` hook, called with each message's subject and symbol:
 * a PRODUCER span `publish <subject>` per message (a new trace, sampled by
 * the configured sampler), ended at once, and its context as headers for the
 * message. Unsampled messages still carry the header (flags 00), so
 * downstream keeps the decision.
 */
export function publishTraceHeaders(tracer: Tracer): (subject: string, symbol: string) => [string, string][] {
  return (subject, symbol) => {
    const span = tracer.startSpan(`publish ${subject}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'send', 'messaging.destination.name': subject, 'bourse.symbol': symbol } }, ROOT_CONTEXT);
    const out: [string, string][] = [];
    w3c.inject(trace.setSpan(ROOT_CONTEXT, span), out, { set: (c, k, v) => c.push([k, v]) });
    span.end();
    return out;
  };
}

/** A CONSUMER span `process <subject>` for a delivered message, child of the context in its headers (if any). */
export function startProcessSpan(tracer: Tracer, subject: string, headers: HeaderReader | undefined, attributes: Record<string, string | number>): Span {
  const parent = headers ? w3c.extract(ROOT_CONTEXT, headers, { get: (h, k) => h.get(k) || undefined, keys: () => ['traceparent', 'tracestate'] }) : ROOT_CONTEXT;
  return tracer.startSpan(`process ${subject}`, { kind: SpanKind.CONSUMER, attributes: { 'messaging.system': 'nats', 'messaging.operation.type': 'process', 'messaging.destination.name': subject, ...attributes } }, parent);
}

/** Ends a span as failed with `reason`. */
export function failSpan(span: Span, reason: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
  span.end();
}

/** True when the span will be exported (sampled and recording). */
export function sampled(span: Span): boolean {
  return span.isRecording() && (span.spanContext().traceFlags & 1) === 1;
}

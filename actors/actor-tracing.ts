import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { TickField, TickKind, type TraceSlots, type Universe } from '../core/index.js';

/**
 * The shard's end of a trace: for a tick whose record carries a trace slot
 * token (set by the ingest consumer for sampled messages), an `actor.apply`
 * span — child of the consumer's `process` span — around the actor's apply.
 * A token whose slot was reused meanwhile applies the tick untraced.
 */
export class ActorTracer {
  readonly #tracer: Tracer;
  readonly #slots: TraceSlots;
  readonly #universe: Universe;

  constructor(tracer: Tracer, slots: TraceSlots, universe: Universe) {
    this.#tracer = tracer;
    this.#slots = slots;
    this.#universe = universe;
  }

  traced(view: Float64Array, offset: number, shard: number, apply: () => void): void {
    const ctx = this.#slots.get(view[offset + TickField.reserved]);
    if (!ctx) return apply();
    const span = this.#tracer.startSpan(
      'actor.apply',
      {
        kind: SpanKind.INTERNAL,
        attributes: {
          'bourse.symbol': this.#universe.symbol(view[offset + TickField.symbol]),
          'bourse.shard': shard,
          'bourse.tick.kind': view[offset + TickField.kind] === TickKind.trade ? 'trade' : 'quote',
          'bourse.tick.source_seq': view[offset + TickField.sourceSeq],
        },
      },
      trace.setSpanContext(ROOT_CONTEXT, ctx),
    );
    try {
      apply();
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw err;
    } finally {
      span.end();
    }
  }
}

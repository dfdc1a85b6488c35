import { sql } from 'kysely';
import { BourseError, normaliseSymbol } from '../core/index.js';
import type { ClosedBar } from '../actors/shard.js';
import type { StoreContext, StoreModule } from './store-context.js';
import { decodeCursor, encodeCursor } from './cursor.js';

/** A bar as the API serves it. */
export interface BarDto {
  readonly t: number;
  readonly o: number;
  readonly h: number;
  readonly l: number;
  readonly c: number;
  readonly v: number;
  readonly n: number;
}

export interface BarsQuery {
  readonly symbol: string;
  readonly from?: number;
  readonly to?: number;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface BarsPage {
  readonly symbol: string;
  readonly bars: BarDto[];
  readonly nextCursor: string | null;
}

/** Rows per INSERT statement (Postgres allows 65535 parameters; 8 per row). */
const ROWS_PER_STATEMENT = 1000;
/** Bars held while the database is unreachable; past this the oldest are dropped (and counted). */
const MAX_BUFFERED = 200_000;
export const MAX_BARS_PER_PAGE = 5000;

/**
 * Persists the actors' closed 1-minute bars and serves their history.
 *
 * Write path: shards send `bars-closed` batches; bars are buffered by
 * (symbol, start) — a later version of the same bar replaces the earlier — and
 * written every BAR_WRITE_INTERVAL_MS as multi-row upserts (idempotent: a
 * replayed or re-closed bar overwrites itself). A failed write keeps the batch
 * and retries next interval; at most MAX_BUFFERED bars wait. stop() flushes.
 *
 * Read path (`bars.list`): keyset pages on the (symbol, start) primary key.
 * With `from`, pages run forward in time from it; without, the newest page
 * before `to` comes first and the cursor walks back in time. Each page is
 * returned oldest first either way.
 */
export function barsModule(ctx: StoreContext): StoreModule & { flush(): Promise<void>; readonly stats: { written: number; dropped: number; failedWrites: number } } {
  let pending = new Map<string, ClosedBar>();
  const stats = { written: 0, dropped: 0, failedWrites: 0 };
  let writing: Promise<void> | undefined;

  const accept = (bars: readonly ClosedBar[]) => {
    for (const b of bars) {
      if (!validBar(b)) continue;
      pending.set(`${b.symbol}|${b.start}`, b);
    }
    if (pending.size > MAX_BUFFERED) {
      const excess = pending.size - MAX_BUFFERED;
      let i = 0;
      for (const k of pending.keys()) {
        if (i++ >= excess) break;
        pending.delete(k);
      }
      stats.dropped += excess;
      ctx.log.error({ dropped: excess }, 'bar buffer full (database unreachable?): oldest bars dropped');
    }
  };

  const flush = async (): Promise<void> => {
    while (writing) await writing;
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    writing = (async () => {
      const rows = [...batch.values()];
      try {
        for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
          await ctx.db
            .insertInto('bars_1m')
            .values(rows.slice(i, i + ROWS_PER_STATEMENT).map((b) => ({ symbol: b.symbol, start: new Date(b.start), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, trades: b.trades })))
            .onConflict((oc) =>
              oc.columns(['symbol', 'start']).doUpdateSet({
                open: sql`excluded.open`,
                high: sql`excluded.high`,
                low: sql`excluded.low`,
                close: sql`excluded.close`,
                volume: sql`excluded.volume`,
                trades: sql`excluded.trades`,
              }),
            )
            .execute();
          stats.written += Math.min(ROWS_PER_STATEMENT, rows.length - i);
        }
      } catch (err) {
        stats.failedWrites++;
        ctx.log.warn({ err, bars: rows.length }, 'writing bars failed; retrying next interval');
        // Put the batch back under anything newer that arrived meanwhile.
        for (const b of rows) {
          const k = `${b.symbol}|${b.start}`;
          if (!pending.has(k)) pending.set(k, b);
        }
      }
    })();
    try {
      await writing;
    } finally {
      writing = undefined;
    }
  };

  const stopTimer = ctx.clock.every(ctx.config.barWriteIntervalMs, () => void flush());

  return {
    name: 'bars',
    stats,
    flush,
    handlers: {
      'bars.list': (params) => listBars(ctx, params as BarsQuery),
    },
    onShardMessage(_shard, m) {
      if (m.type === 'bars-closed') accept((m as unknown as { bars: ClosedBar[] }).bars ?? []);
    },
    async stop() {
      stopTimer();
      await flush();
      if (pending.size) await flush();
    },
  };
}

async function listBars(ctx: StoreContext, q: BarsQuery): Promise<BarsPage> {
  const symbol = normaliseSymbol(q.symbol);
  if (!symbol) throw new BourseError('invalid_symbol', `${JSON.stringify(String(q.symbol).slice(0, 40))} is not a valid ticker`);
  if (ctx.universe.id(symbol) < 0) throw new BourseError('unknown_symbol', `${symbol} is not in the universe`);
  const limit = q.limit ?? 500;
  const to = q.to ?? ctx.clock.now() + 60_000;
  const forward = q.from !== undefined;
  let after: number | undefined;
  if (q.cursor !== undefined) {
    const c = decodeCursor(q.cursor, 'bars', (v): v is { s: string; d: 'f' | 'b'; t: number } => typeof v === 'object' && v !== null && (v as { s?: unknown }).s === symbol && ((v as { d?: unknown }).d === (forward ? 'f' : 'b')) && Number.isFinite((v as { t?: unknown }).t));
    after = c.t;
  }
  let query = ctx.db.selectFrom('bars_1m').select(['start', 'open', 'high', 'low', 'close', 'volume', 'trades']).where('symbol', '=', symbol).where('start', '<', new Date(to));
  if (forward) {
    query = query.where('start', '>=', new Date(q.from!));
    if (after !== undefined) query = query.where('start', '>', new Date(after));
    query = query.orderBy('start', 'asc');
  } else {
    if (after !== undefined) query = query.where('start', '<', new Date(after));
    query = query.orderBy('start', 'desc');
  }
  const rows = await query.limit(limit + 1).execute();
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  if (!forward) page.reverse();
  const bars = page.map((r) => ({ t: r.start.getTime(), o: r.open, h: r.high, l: r.low, c: r.close, v: r.volume, n: r.trades }));
  const edge = forward ? bars.at(-1) : bars[0];
  return { symbol, bars, nextCursor: more && edge ? encodeCursor('bars', { s: symbol, d: forward ? 'f' : 'b', t: edge.t }) : null };
}

function validBar(b: ClosedBar): boolean {
  return (
    typeof b === 'object' && b !== null && typeof b.symbol === 'string' && normaliseSymbol(b.symbol) === b.symbol &&
    Number.isFinite(b.start) && b.start % 60_000 === 0 &&
    [b.open, b.high, b.low, b.close, b.volume].every((x) => Number.isFinite(x) && x >= 0) && Number.isInteger(b.trades) && b.trades >= 0 && b.high >= b.low
  );
}

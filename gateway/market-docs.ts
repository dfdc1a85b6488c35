import { Type } from '@sinclair/typebox';
import type { HttpApi } from './http-api.js';

const N = Type.Union([Type.Number(), Type.Null()]);
const BarFields = Type.Object({ start: Type.Number(), open: Type.Number(), high: Type.Number(), low: Type.Number(), close: Type.Number(), volume: Type.Number(), trades: Type.Integer() });

/** A quote snapshot as GET /v1/quotes serves it (the stream's `snapshot` frame without `type`). */
export const QuoteSnapshotSchema = Type.Object({
  symbol: Type.String(),
  seq: Type.Integer({ description: 'per-symbol sequence; only increases' }),
  ts: Type.Number({ description: 'server time, ms since the epoch' }),
  name: Type.String(),
  exchange: Type.String(),
  last: N,
  lastSize: N,
  bid: N,
  ask: N,
  bidSize: N,
  askSize: N,
  open: N,
  high: N,
  low: N,
  prevClose: N,
  change: N,
  changePct: N,
  volume: Type.Number(),
  vwap: N,
  sma: N,
  ema: N,
  volatility: N,
  bar: Type.Union([BarFields, Type.Null()], { description: 'the current 1-minute bar' }),
});

const Symbol = Type.String({ description: 'ticker, e.g. AAPL' });

/**
 * OpenAPI entries of the market routes served straight from the shared quote
 * tables by gateway/rest-routes.ts (outside the framework, for speed).
 */
export function documentMarketRoutes(api: HttpApi): void {
  api.document({
    method: 'get',
    path: '/v1/symbols',
    tag: 'market',
    summary: 'Every symbol the server streams, in universe order.',
    auth: 'none',
    responses: { 200: { description: 'the universe', schema: Type.Object({ count: Type.Integer(), symbols: Type.Array(Symbol) }) } },
  });
  api.document({
    method: 'get',
    path: '/v1/quotes/:symbol',
    tag: 'market',
    summary: 'The latest quote of one symbol, read from the shared quote table (never stale by more than one flush).',
    auth: 'none',
    responses: { 200: { description: 'a quote snapshot', schema: QuoteSnapshotSchema } },
  });
  api.document({
    method: 'get',
    path: '/v1/quotes',
    tag: 'market',
    summary: 'Latest quotes of up to 100 symbols (`?symbols=AAPL,MSFT`); unknown or invalid ones are listed in `errors`.',
    auth: 'none',
    query: Type.Object({ symbols: Type.String({ description: 'comma-separated tickers (1 to 100)' }) }),
    responses: {
      200: {
        description: 'quotes and per-symbol errors',
        schema: Type.Object({ quotes: Type.Array(QuoteSnapshotSchema), errors: Type.Array(Type.Object({ symbol: Type.String(), code: Type.String() })) }),
      },
    },
  });
}

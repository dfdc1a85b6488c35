import { Type } from '@sinclair/typebox';
import { BourseError } from '../core/index.js';
import type { BarsPage, BarsQuery } from '../domain/bars.js';
import type { RpcClient } from '../core/rpc.js';
import type { HttpApi } from './http-api.js';

const Bar = Type.Object({
  t: Type.Number({ description: 'minute start, ms since the epoch' }),
  o: Type.Number(),
  h: Type.Number(),
  l: Type.Number(),
  c: Type.Number(),
  v: Type.Number({ description: 'volume' }),
  n: Type.Integer({ description: 'trades' }),
});

export const BarsPageSchema = Type.Object({
  symbol: Type.String(),
  bars: Type.Array(Bar),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

const Ms = (description: string) => Type.Integer({ minimum: 0, maximum: 8.64e15, description });

/** GET /v1/bars/:symbol — 1-minute bar history from the database (live bars stream on the `bars` channel). */
export function registerBarRoutes(api: HttpApi, store: RpcClient): void {
  api.route({
    method: 'get',
    path: '/v1/bars/:symbol',
    tag: 'market',
    summary: 'Closed 1-minute bars of a symbol. With `from`: pages forward from it; without: the newest page before `to`, cursor walking back. Each page is oldest first.',
    auth: 'optional',
    query: Type.Object(
      {
        from: Type.Optional(Ms('inclusive start, ms since the epoch')),
        to: Type.Optional(Ms('exclusive end, ms since the epoch (default: now)')),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 5000, default: 500 })),
        cursor: Type.Optional(Type.String({ maxLength: 512 })),
      },
      { additionalProperties: false },
    ),
    responses: { 200: { description: 'a page of bars', schema: BarsPageSchema } },
    handler: async ({ params, query }) => {
      if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
        throw new BourseError('invalid_query', '`from` must be before `to`');
      }
      const page = await store.call<BarsPage>('bars.list', { symbol: params.symbol, ...query } satisfies BarsQuery);
      return { status: 200, body: page };
    },
  });
}

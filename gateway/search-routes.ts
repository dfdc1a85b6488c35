import { Type } from '@sinclair/typebox';
import { BourseError, hasCode } from '../core/index.js';
import type { RpcClient, RpcPush } from '../core/rpc.js';
import { SearchIndex, type SearchPosition } from '../core/search/search-index.js';
import { MAX_QUERY_LENGTH, QUERY_PATTERN, parseQuery } from '../core/search/search-text.js';
import type { SearchIndexMessage } from '../domain/companies.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import type { HttpApi } from './http-api.js';

export const MAX_SEARCH_LIMIT = 50;

const SearchResultSchema = Type.Object({
  ticker: Type.String(),
  name: Type.String(),
  exchange: Type.Union([Type.String(), Type.Null()], { description: 'listing venue; null when unknown' }),
  sic: Type.Union([Type.Integer(), Type.Null()], { description: 'SEC Standard Industrial Classification code; null when unknown' }),
  sicDescription: Type.Union([Type.String(), Type.Null()]),
  match: Type.Union([Type.Literal('ticker'), Type.Literal('ticker_prefix'), Type.Literal('name')], { description: 'why it matched: the exact ticker, a ticker prefix, or a prefix of a word of the name' }),
});

export const SearchPageSchema = Type.Object({
  results: Type.Array(SearchResultSchema),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The gateway thread's current search index. The store thread builds every
 * index and posts it (push `search.index`); offer() swaps the reference to a
 * newer one. Requests run to completion on this thread, so a query sees one
 * index from start to end, never a mix. A gateway that has none yet (it just
 * started) asks the store once; concurrent requests share that call.
 */
export class SearchIndexHolder {
  #index: SearchIndex | undefined;
  #fetching: Promise<SearchIndex> | undefined;
  readonly #store: RpcClient;

  constructor(store: RpcClient) {
    this.#store = store;
  }

  get index(): SearchIndex | undefined {
    return this.#index;
  }

  /** Takes `m` unless the index held is newer; returns false (keeping the current one) for a buffer that is not a valid index. */
  offer(m: SearchIndexMessage): boolean {
    if (this.#index && this.#index.builtAt > m.builtAt) return true;
    try {
      this.#index = new SearchIndex(m.index);
      return true;
    } catch {
      return false;
    }
  }

  async get(): Promise<SearchIndex> {
    if (this.#index) return this.#index;
    this.#fetching ??= this.#store
      .call<SearchIndexMessage>('search.index', {})
      .then((m) => {
        if (!this.offer(m)) throw new BourseError('internal', 'the store sent an unreadable search index');
        return this.#index!;
      })
      .catch((err: unknown) => {
        throw hasCode(err, 'store_unavailable') ? new BourseError('search_unavailable') : err;
      })
      .finally(() => (this.#fetching = undefined));
    return this.#fetching;
  }
}

interface SearchCursor {
  /** The query and filters the cursor belongs to. */
  readonly k: string;
  readonly t: number;
  readonly o: number;
}

/** GET /v1/search — prefix search over tickers and company names, answered in this thread from the shared index. */
export function registerSearchRoutes(api: HttpApi, store: RpcClient, onStorePush: ((handler: (p: RpcPush) => void) => void) | undefined): SearchIndexHolder {
  const holder = new SearchIndexHolder(store);
  onStorePush?.((p) => {
    if (p.push === 'search.index') holder.offer(p as unknown as SearchIndexMessage);
  });
  api.route({
    method: 'get',
    path: '/v1/search',
    tag: 'companies',
    summary:
      'Companies whose ticker or a word of whose name starts with `q`. Order: the exact ticker, then ticker prefixes, then name-word prefixes; ties by popularity (the universe order). Several words: every word must prefix a word of the name. Filters: `exchange` (venue name, case-insensitive), `sic` (SEC industry code).',
    auth: 'optional',
    query: Type.Object(
      {
        q: Type.String({ minLength: 1, maxLength: MAX_QUERY_LENGTH, description: 'letters, digits, spaces and . - & \' , / ( ) +' }),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEARCH_LIMIT, default: 10 })),
        cursor: Type.Optional(Type.String({ maxLength: 512 })),
        exchange: Type.Optional(Type.String({ pattern: '^[A-Za-z]{1,16}$', description: 'e.g. Nasdaq, NYSE, OTC, CBOE' })),
        sic: Type.Optional(Type.Integer({ minimum: 0, maximum: 9999 })),
      },
      { additionalProperties: false },
    ),
    responses: { 200: { description: 'a page of matching companies', schema: SearchPageSchema } },
    handler: async ({ query }) => {
      if (!QUERY_PATTERN.test(query.q)) throw new BourseError('invalid_query', '`q` may hold letters, digits, spaces and . - & \' , / ( ) + only', undefined, [{ path: '/q', message: 'unsupported character' }]);
      const parsed = parseQuery(query.q);
      if (!parsed) throw new BourseError('invalid_query', '`q` needs at least one letter or digit', undefined, [{ path: '/q', message: 'no letter or digit' }]);
      const key = `${parsed.ticker ?? ''}|${parsed.words.join(' ')}|${query.exchange?.toLowerCase() ?? ''}|${query.sic ?? ''}`;
      let after: SearchPosition | undefined;
      if (query.cursor !== undefined) {
        const c = decodeCursor(query.cursor, 'search', (v): v is SearchCursor => typeof v === 'object' && v !== null && (v as SearchCursor).k === key && Number.isInteger((v as SearchCursor).t) && Number.isInteger((v as SearchCursor).o));
        after = { tier: c.t, ordinal: c.o };
      }
      const index = await holder.get();
      const limit = query.limit ?? 10;
      const r = index.search(parsed, { limit, after, exchange: query.exchange, sic: query.sic });
      const last = r.hits.at(-1);
      return {
        status: 200,
        body: {
          results: r.hits.map((h) => ({ ticker: h.ticker, name: h.name, exchange: h.exchange, sic: h.sic, sicDescription: h.sicDescription, match: h.match })),
          nextCursor: r.more && last ? encodeCursor('search', { k: key, t: last.tier, o: last.ordinal } satisfies SearchCursor) : null,
        },
      };
    },
  });
  return holder;
}

import { sql } from 'kysely';
import { BourseError } from '../core/index.js';
import { buildSearchIndex, type BuildStats, type SearchCompany } from '../core/search/search-index-builder.js';
import type { StoreContext, StoreModule } from './store-context.js';
import { readCompanyProfiles, type CompanyProfile } from './company-profiles.js';

/** Rows per INSERT statement (6 parameters a row; Postgres allows 65535). */
const ROWS_PER_STATEMENT = 1000;
/** How often the module looks for a changed universe (a version compare; the work happens only on a change). */
export const UNIVERSE_CHECK_MS = 1000;

/** What the store thread posts to gateways (push `search.index`) and answers to `search.index`. */
export interface SearchIndexMessage {
  readonly index: SharedArrayBuffer;
  readonly builtAt: number;
}

export interface CompaniesModule extends StoreModule {
  /** Settles when the table is seeded and the index built from it (rejects if seeding failed; search then serves the universe). */
  readonly ready: Promise<void>;
  /** The index gateways serve, once one is built. */
  current(): SearchIndexMessage | undefined;
  /** Rebuilds the index from the companies table and posts it to every gateway (after a directory update). */
  reindex(): Promise<BuildStats>;
}

/**
 * The company directory: the `companies` table and the search index built
 * from it, both owned by the store thread.
 *
 * At start: the universe's listings, with CIK and SIC from COMPANY_PROFILES
 * (or UNIVERSE_FILE) where known, are (1) indexed at once, so search answers
 * within a build time of the store starting, (2) upserted into `companies`
 * in batches — idempotent: a row is rewritten only when something changed,
 * and known CIK/SIC are never overwritten with unknowns — and (3) indexed
 * again from the table, which may know more than this start's sources (SIC
 * from an earlier run). Only listings of the universe are indexed: search
 * returns what this server can stream, in the universe's order.
 *
 * When the universe changes while running (UNIVERSE_SOURCE=sec follows new
 * listings and renames), the table is upserted again and re-indexed, checked
 * every UNIVERSE_CHECK_MS.
 *
 * Index builds run here, never on a gateway thread. Each build is a new
 * SharedArrayBuffer, posted complete to every gateway (push `search.index`),
 * which swaps its reference to it between two requests; gateways that
 * (re)start ask with `search.index`.
 */
export function companiesModule(ctx: StoreContext): CompaniesModule {
  let current: SearchIndexMessage | undefined;
  let stopping = false;
  const rank = (ticker: string) => ctx.universe.id(ticker);

  const publish = (companies: readonly SearchCompany[], why: string): BuildStats => {
    const builtAt = Math.max(ctx.clock.now(), (current?.builtAt ?? 0) + 1);
    const { buffer, stats } = buildSearchIndex(companies, builtAt);
    current = { index: buffer, builtAt };
    ctx.pushToGateways({ push: 'search.index', index: buffer, builtAt });
    ctx.log.info({ ...stats, ms: Math.round(stats.ms * 10) / 10, why }, 'search index built');
    return stats;
  };

  const reindex = async (): Promise<BuildStats> => {
    const rows = await ctx.db.selectFrom('companies').select(['ticker', 'name', 'exchange', 'sic', 'industry']).execute();
    const listed = rows.filter((r) => rank(r.ticker) >= 0).sort((a, b) => rank(a.ticker) - rank(b.ticker));
    return publish(listed.map((r) => ({ ticker: r.ticker, name: r.name, exchange: r.exchange, sic: r.sic, sicDescription: r.industry })), 'companies table');
  };

  let profiles = new Map<string, CompanyProfile>();
  const records = () =>
    ctx.universe.companies.map((c) => {
      const p = profiles.get(c.symbol);
      return { ticker: c.symbol, name: c.name, exchange: c.exchange || null, cik: p?.cik ?? null, sic: p?.sic ?? null, sicDescription: p?.sicDescription ?? null };
    });
  let seenVersion = ctx.universe.version;

  const ready = (async () => {
    const sources = ctx.config.companyProfiles.length > 0 ? ctx.config.companyProfiles : ctx.config.universeFile ? [ctx.config.universeFile] : [];
    profiles = await readCompanyProfiles(sources, ctx.log);
    seenVersion = ctx.universe.version;
    const start = records();
    publish(start, 'universe');
    const seeded = await seedCompanies(ctx, start, () => stopping);
    if (stopping) return;
    ctx.log.info({ companies: start.length, changed: seeded }, 'companies table seeded');
    await reindex();
  })();
  ready.catch((err: unknown) => {
    seenVersion = -1; // the follow loop below retries the seeding
    ctx.log.error({ err }, 'seeding the companies table failed; search serves the universe meanwhile');
  });

  // The universe follows the SEC stream live (new listings, renames): once the
  // start-up seeding has ended, a changed universe version (or a failed seeding)
  // is written to the table and re-indexed, at most once per UNIVERSE_CHECK_MS
  // however many changes arrived meanwhile.
  let following: Promise<void> | undefined;
  const follow = () => {
    if (following || stopping || ctx.universe.version === seenVersion) return;
    following = ready
      .catch(() => undefined)
      .then(async () => {
        seenVersion = ctx.universe.version;
        const changed = await seedCompanies(ctx, records(), () => stopping);
        if (!stopping) await reindex();
        ctx.log.info({ changed, version: seenVersion }, 'companies follow the universe');
      })
      .catch((err: unknown) => {
        seenVersion = -1; // retried at the next check
        ctx.log.warn({ err }, 'updating the companies from the universe failed; retrying');
      })
      .finally(() => (following = undefined));
  };
  const stopFollowing = ctx.clock.every(UNIVERSE_CHECK_MS, follow);

  return {
    name: 'companies',
    ready,
    current: () => current,
    reindex,
    /** Stops seeding after the batch in flight (the rest is seeded at the next start). */
    async stop() {
      stopping = true;
      stopFollowing();
      await ready.catch(() => undefined);
      await following;
    },
    handlers: {
      'search.index': async () => {
        if (!current) throw new BourseError('search_unavailable');
        return current;
      },
    },
  };
}

/** Upserts `records` in batches (each batch atomic, one statement); returns how many rows were inserted or changed. `stop` is checked between batches. */
export async function seedCompanies(ctx: Pick<StoreContext, 'db'>, records: readonly (SearchCompany & { readonly cik: number | null })[], stop: () => boolean = () => false): Promise<number> {
  let changed = 0;
  for (let i = 0; i < records.length && !stop(); i += ROWS_PER_STATEMENT) {
    const batch = records.slice(i, i + ROWS_PER_STATEMENT);
    const r = await ctx.db
      .insertInto('companies')
      .values(batch.map((c) => ({ ticker: c.ticker, cik: c.cik, name: c.name, exchange: c.exchange, sic: c.sic, industry: c.sicDescription })))
      .onConflict((oc) =>
        oc
          .column('ticker')
          .doUpdateSet({
            name: sql`excluded.name`,
            exchange: sql`excluded.exchange`,
            cik: sql`coalesce(excluded.cik, companies.cik)`,
            sic: sql`coalesce(excluded.sic, companies.sic)`,
            industry: sql`coalesce(excluded.industry, companies.industry)`,
            updated_at: sql`now()`,
          })
          .where(
            sql<boolean>`(companies.name, companies.exchange, companies.cik, companies.sic, companies.industry) is distinct from (excluded.name, excluded.exchange, coalesce(excluded.cik, companies.cik), coalesce(excluded.sic, companies.sic), coalesce(excluded.industry, companies.industry))`,
          ),
      )
      .executeTakeFirst();
    changed += Number(r.numInsertedOrUpdatedRows ?? 0n);
  }
  return changed;
}

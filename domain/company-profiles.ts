import type { Logger } from '../core/index.js';
import { FileCompanySource } from '../ingest/sec/index.js';

/** What the SEC documents add to a listing the universe names. */
export interface CompanyProfile {
  readonly cik: number;
  readonly sic: number | null;
  readonly sicDescription: string | null;
}

/**
 * Reads SEC documents on disk (a ticker list, submissions documents or a
 * directory of them; see ingest/sec FileCompanySource) into a profile per
 * ticker. Every listing of a company gets its profile. Skipped documents and
 * rows are counted and the first few logged; a path that does not exist is
 * logged and yields no profile (the directory is still seeded from the
 * universe). Empty `paths`: no profiles.
 */
export async function readCompanyProfiles(paths: readonly string[], log: Logger): Promise<Map<string, CompanyProfile>> {
  const out = new Map<string, CompanyProfile>();
  if (paths.length === 0) return out;
  let skipped = 0;
  try {
    for await (const item of new FileCompanySource(paths).read()) {
      if (item.kind === 'skipped') {
        if (skipped++ < 5) log.warn({ where: item.problem.where, reason: item.problem.reason }, 'company profile skipped');
        continue;
      }
      if (item.kind !== 'company') continue;
      const c = item.company;
      const profile = { cik: c.cik, sic: c.profile?.sic ?? null, sicDescription: c.profile?.sicDescription ?? null };
      for (const t of c.tickers) if (!out.has(t.ticker)) out.set(t.ticker, profile);
    }
  } catch (err) {
    log.error({ err, paths }, 'company profiles could not be read; the directory has no CIK or SIC from them');
  }
  if (skipped) log.warn({ skipped }, 'company profiles: documents or rows skipped');
  return out;
}

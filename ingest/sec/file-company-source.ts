import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BourseError } from '../../core/errors.js';
import { observeCompany, type SubmissionsDoc, type TickerListRow } from './company.js';
import { parseTickerListRows } from './company-tickers-file.js';
import type { CompanySource, SecProblem, SourceItem } from './company-source.js';
import { parseSubmissions } from './submissions.js';

/**
 * The SEC documents on disk, in the shapes sec.gov serves them:
 * - a directory: its `company_tickers_exchange.json` (if any) and every
 *   `CIK##########.json` submissions document in it (not recursive);
 * - a file: a ticker list (a JSON object with "fields" and "data") or a
 *   submissions document, told apart by content.
 * Several paths may be given (e.g. the list and a directory of submissions);
 * one ticker list is used, further ones are skipped.
 *
 * Order: companies with a submissions document first (merged with their
 * ticker-list rows), in file-name order, then the ticker list's other
 * companies in list order. The list is held in memory (≈ 1 MB for the whole
 * SEC list); submissions documents are read one at a time.
 *
 * A path that does not exist fails the read with config_invalid before
 * anything is yielded; an unreadable or invalid document is `skipped`.
 */
export class FileCompanySource implements CompanySource {
  readonly description: string;
  readonly #paths: readonly string[];

  constructor(paths: readonly string[]) {
    if (paths.length === 0) throw new BourseError('config_invalid', 'SEC file source needs at least one path (a ticker list, a submissions document or a directory of them)');
    this.#paths = paths;
    this.description = `file ${paths.join(', ')}`;
  }

  async *read(signal?: AbortSignal): AsyncIterable<SourceItem> {
    const { lists, submissions } = await this.#classify();
    const pending: SourceItem[] = [];

    // The ticker list, grouped by CIK in list order.
    const byCik = new Map<number, TickerListRow[]>();
    for (const [i, list] of lists.entries()) {
      if (i > 0) {
        pending.push(skipped(list.where, `a second ticker list; only ${lists[0].where} is used`));
        continue;
      }
      const json = list.json ?? (await readJson(list.where));
      if (!json.ok) {
        pending.push(skipped(list.where, json.reason));
        continue;
      }
      try {
        const parsed = parseTickerListRows(json.value, list.where);
        for (const s of parsed.skipped) pending.push(skipped(`${basename(list.where)} data[${s.row}]`, s.reason));
        for (const r of parsed.rows) {
          const rows = byCik.get(r.cik);
          if (rows) rows.push(r);
          else byCik.set(r.cik, [r]);
        }
      } catch (err) {
        pending.push(skipped(list.where, (err as Error).message));
      }
    }

    let extra = 0;
    for (const s of submissions) if (s.cik === undefined || !byCik.has(s.cik)) extra++;
    yield { kind: 'expected', companies: byCik.size + extra };
    yield* pending;

    const seen = new Map<number, string>();
    for (const s of submissions) {
      signal?.throwIfAborted();
      const json = s.json ?? (await readJson(s.where));
      if (!json.ok) {
        yield skipped(s.where, json.reason);
        continue;
      }
      const parsed = parseSubmissions(json.value);
      if (!parsed.ok) {
        yield skipped(s.where, parsed.reason);
        continue;
      }
      const doc: SubmissionsDoc = parsed.doc;
      const name = basename(s.where);
      for (const w of parsed.warnings) yield { kind: 'warning', problem: { where: name, reason: w } };
      const earlier = seen.get(doc.cik);
      if (earlier !== undefined) {
        yield skipped(s.where, `CIK ${doc.cik} was already read from ${earlier}`);
        continue;
      }
      seen.set(doc.cik, name);
      if (s.cik !== undefined && s.cik !== doc.cik) yield { kind: 'warning', problem: { where: name, reason: `file name says CIK ${s.cik}, content says ${doc.cik}; the content is used` } };
      const rows = byCik.get(doc.cik);
      byCik.delete(doc.cik);
      yield { kind: 'company', company: observeCompany(rows, doc) };
    }
    for (const rows of byCik.values()) {
      signal?.throwIfAborted();
      yield { kind: 'company', company: observeCompany(rows, undefined) };
    }
  }

  /** Sorts the paths into ticker lists and submissions documents (files given by name are read here to tell which). */
  async #classify(): Promise<{ lists: Doc[]; submissions: Doc[] }> {
    const lists: Doc[] = [];
    const submissions: Doc[] = [];
    for (const path of this.#paths) {
      let isDir: boolean;
      try {
        isDir = (await stat(path)).isDirectory();
      } catch (err) {
        throw new BourseError('config_invalid', `SEC file source: ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
      }
      if (isDir) {
        const names = (await readdir(path)).sort();
        if (names.includes(TICKER_LIST_NAME)) lists.push({ where: join(path, TICKER_LIST_NAME) });
        for (const n of names) {
          const m = SUBMISSIONS_NAME.exec(n);
          if (m) submissions.push({ where: join(path, n), cik: Number(m[1]) });
        }
        continue;
      }
      const json = await readJson(path);
      const doc: Doc = { where: path, json };
      if (json.ok && isTickerList(json.value)) lists.push(doc);
      else {
        const m = SUBMISSIONS_NAME.exec(basename(path));
        submissions.push({ ...doc, cik: m ? Number(m[1]) : undefined });
      }
    }
    return { lists, submissions };
  }
}

const TICKER_LIST_NAME = 'company_tickers_exchange.json';
const SUBMISSIONS_NAME = /^CIK(\d{10})\.json$/;

type Json = { ok: true; value: unknown } | { ok: false; reason: string };

interface Doc {
  readonly where: string;
  /** CIK from the file name, when it follows the SEC's naming. */
  readonly cik?: number | undefined;
  /** Already read (files named on the command line are read to classify them). */
  readonly json?: Json;
}

async function readJson(path: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})` };
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    return { ok: false, reason: `is not valid JSON (${(err as Error).message})` };
  }
}

function isTickerList(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'fields' in v && 'data' in v;
}

function skipped(where: string, reason: string): SourceItem {
  const problem: SecProblem = { where, reason };
  return { kind: 'skipped', problem };
}

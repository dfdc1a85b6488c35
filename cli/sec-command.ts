import { parseArgs } from 'node:util';
import { hasCode, type Config } from '../core/index.js';
import { connectNats } from '../ingest/jetstream/index.js';
import { EdgarCompanySource, FileCompanySource, ProgressLine, syncCompanies, type CompanySource } from '../ingest/sec/index.js';

const USAGE = `usage: bourse sec sync --from-file PATH [--from-file PATH ...]
       bourse sec sync --from-edgar [--user-agent "Company admin@example.com"] [--submissions all|none|CIK,CIK] [--limit N]

Reads SEC company data (company_tickers_exchange.json and CIK##########.json
submissions, from files or from EDGAR at <= SEC_REQUESTS_PER_SECOND) and
publishes one normalised event per changed company to the JetStream stream
SEC_STREAM (needs NATS_URL). Re-running publishes only what changed.
`;

/** `bourse sec sync`: the SEC anti-corruption layer's entry point. */
export async function secCommand(config: Config, args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'sync') return (err.write(USAGE), 2);
  let o: { 'from-file'?: string[]; 'from-edgar'?: boolean; 'user-agent'?: string; submissions?: string; limit?: string };
  try {
    o = parseArgs({
      args: rest,
      options: { 'from-file': { type: 'string', multiple: true }, 'from-edgar': { type: 'boolean' }, 'user-agent': { type: 'string' }, submissions: { type: 'string' }, limit: { type: 'string' } },
    }).values;
  } catch (e) {
    return (err.write(`bourse sec: ${(e as Error).message}\n${USAGE}`), 2);
  }
  const files = o['from-file'] ?? [];
  if ((files.length > 0) === Boolean(o['from-edgar'])) return (err.write(`bourse sec: give --from-file or --from-edgar (one of them)\n${USAGE}`), 2);
  const limit = o.limit === undefined ? undefined : Number(o.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) return (err.write('bourse sec: --limit must be a positive integer\n'), 2);
  let submissions: 'all' | 'none' | number[] = 'all';
  if (o.submissions === 'none' || o.submissions === 'all' || o.submissions === undefined) submissions = (o.submissions as 'all' | 'none' | undefined) ?? 'all';
  else if (/^\d+(,\d+)*$/.test(o.submissions)) submissions = o.submissions.split(',').map(Number);
  else return (err.write('bourse sec: --submissions must be all, none or a comma-separated list of CIKs\n'), 2);
  if (!config.natsUrl) return (err.write('bourse sec: NATS_URL is not set (e.g. NATS_URL=nats://127.0.0.1:4222)\n'), 2);

  let source: CompanySource;
  try {
    source = files.length
      ? new FileCompanySource(files)
      : new EdgarCompanySource({
          userAgent: o['user-agent'] ?? config.secUserAgent,
          tickersUrl: config.secTickersUrl,
          submissionsBaseUrl: config.secSubmissionsUrl,
          maxRequestsPerSecond: config.secRequestsPerSecond,
          submissions,
          limit,
        });
  } catch (e) {
    if (hasCode(e, 'config_invalid')) return (err.write(`bourse sec: ${(e as Error).message}\n`), 2);
    throw e;
  }
  const nats = await connectNats({ servers: config.natsUrl.split(',').map((s) => s.trim()), name: `bourse-sec-${process.pid}` });
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const line = new ProgressLine(err);
    const result = await syncCompanies({
      nc: nats.nc,
      source,
      stream: { name: config.secStream, prefix: config.secSubjectPrefix, duplicateWindowMs: 86_400_000, historyPerCompany: 1 },
      onProgress: (p) => line.update(p),
      signal: abort.signal,
    });
    line.done({ ...result, expected: result.read });
    out.write(
      `${config.secStream}: read ${result.read}, published ${result.published}, unchanged ${result.unchanged}, duplicates ${result.duplicates}, skipped ${result.skipped}, failed ${result.failed}\n`,
    );
    for (const p of [...result.failures, ...result.skippedProblems].slice(0, 20)) out.write(`  ${p.where}: ${p.reason}\n`);
    return result.failed > 0 || result.stoppedEarly ? 1 : 0;
  } catch (e) {
    err.write(`bourse sec: ${(e as Error).message}\n`);
    return hasCode(e, 'config_invalid') ? 2 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await nats.close();
  }
}

import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { WsBenchResult } from './report.js';

/**
 * Where runs are recorded: the full JSON in bench/results/ (writeResultJson,
 * used by every bench), and table rows in docs/benchmarks.md: `bench:ws` rows
 * in the "WebSocket fan-out" section, other benches' in the DocsSection they
 * pass. Each call edits only its own section.
 */

export const SECTION_HEADING = '## WebSocket fan-out (`npm run bench:ws`)';

const TABLE_HEADER = [
  '| Date (UTC) | Commit | Target | Conns × syms (universe) | Flush ms | Sim ticks/s | Window s | Connect s | Delivered msg/s | p50 ms | p99 ms | p99.9 ms | max ms | Gaps | Closes | Server CPU | Server RSS (KB/conn) | Generator CPU | Other CPU | Note |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
];

const NEW_FILE = `# Benchmarks

Measured numbers, newest rows last. Each section names the command that
produced its rows; the raw JSON of every run is in \`bench/results/\` (not
committed). The machine unless noted: 2 cores, Node 20, loopback networking.
`;

const SECTION_INTRO = `
${SECTION_HEADING}

Native C clients (\`bench/native/wsload\`, one epoll loop per process) hold the
connections; the Node orchestrator spawns the server, merges the clients'
latency histograms and samples the server's CPU and RSS from /proc.
Delivered = quote + snapshot messages per second over the measured window
(after warm-up). Latency is tick-to-wire: client receive time − the frame's
\`ta\` (server arrival of the oldest tick in it). Server CPU is in cores over the
window (100% = one core busy); generator CPU is the native clients plus the
orchestrator (in % of one core), as a share of the machine — on 2 cores it
competes with the server it measures. Other CPU is whatever else kept the
machine busy during the window (from /proc/stat); a quiet box shows 5–11%, above
15% the row is suspect.
\`uws-bare\` (\`bench/peers/uws-bare.ts\`) publishes every symbol on every flush:
its rows are the generator's ceiling.

${TABLE_HEADER.join('\n')}
`;

/** The docs table row for a result. */
export function docsRow(r: WsBenchResult): string {
  const o = r.options;
  const w = r.window;
  const l = r.latencyMs;
  const srv = r.server;
  const closes = Object.entries(r.closes).map(([k, v]) => `${k}×${v}`).join(' ') || '—';
  const rss = srv.rssConnectedKb === null ? 'n/a' : `${(srv.rssConnectedKb / 1024).toFixed(0)} MB (${srv.rssPerConnKb?.toFixed(1) ?? 'n/a'})`;
  const cells = [
    r.startedAt.slice(0, 16).replace('T', ' '),
    r.commit,
    srv.target + (srv.spawned ? '' : ' (attached)'),
    `${o.connections} × ${o.symbolsPerConn} (${o.symbols})`,
    String(o.flushMs),
    srv.target === 'bourse' ? String(o.rate) : '—',
    String(w.durationS),
    (r.connect.wallMs / 1000).toFixed(2) + (r.connect.failed ? ` (${r.connect.failed} failed)` : ''),
    w.deliveriesPerS.toLocaleString('en-US'),
    String(l.p50),
    String(l.p99),
    String(l.p999),
    String(l.max),
    String(w.gaps),
    closes,
    srv.cpuCores === null ? 'n/a' : `${(srv.cpuCores * 100).toFixed(0)}%`,
    rss,
    `${((r.generator.clientCores + r.generator.orchestratorCores) * 100).toFixed(0)}% (${(r.generator.machineShare * 100).toFixed(0)}% of machine, ${r.generator.processes} proc)`,
    r.machineLoad.otherCores === null ? 'n/a' : `${(r.machineLoad.otherCores * 100).toFixed(0)}%`,
    o.note.replace(/\|/g, '/') || '',
  ];
  return `| ${cells.join(' | ')} |`;
}

/** A section of docs/benchmarks.md that holds one table of run rows. */
export interface DocsSection {
  readonly heading: string;
  /** Heading, prose and table header, appended when the section is missing. */
  readonly intro: string;
  /** The table's header and separator lines. */
  readonly tableHeader: readonly string[];
}

export const WS_SECTION: DocsSection = { heading: SECTION_HEADING, intro: SECTION_INTRO, tableHeader: TABLE_HEADER };

/**
 * Returns doc with row appended to the table of our section, creating the
 * section (at the end) or the whole file as needed. Text outside our section
 * is returned unchanged.
 */
export function insertRow(doc: string | undefined, row: string, target: DocsSection = WS_SECTION): string {
  const SECTION_HEADING = target.heading;
  const TABLE_HEADER = target.tableHeader;
  let text = doc ?? NEW_FILE;
  let start = text.indexOf(SECTION_HEADING);
  if (start < 0) {
    text = text.replace(/\n*$/, '\n') + target.intro;
    start = text.indexOf(SECTION_HEADING);
  }
  const afterHeading = start + SECTION_HEADING.length;
  const nextSection = text.slice(afterHeading).search(/^## /m);
  const end = nextSection < 0 ? text.length : afterHeading + nextSection;
  const lines = text.slice(start, end).split('\n');

  let headerAt = lines.findIndex((line) => line.startsWith('| Date (UTC) |'));
  if (headerAt < 0) {
    // Our table was removed by hand: put a fresh one at the end of the section.
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    lines.push('', ...TABLE_HEADER);
    headerAt = lines.length - 2;
  }
  let last = headerAt + 1;
  while (last + 1 < lines.length && lines[last + 1].startsWith('|')) last++;
  lines.splice(last + 1, 0, row);

  let section = lines.join('\n');
  if (!section.endsWith('\n')) section += '\n';
  if (end < text.length && !section.endsWith('\n\n')) section += '\n';
  return text.slice(0, start) + section + text.slice(end);
}

export async function appendDocsRow(docPath: string, row: string, section: DocsSection = WS_SECTION): Promise<void> {
  const doc = existsSync(docPath) ? await readFile(docPath, 'utf8') : undefined;
  await mkdir(dirname(docPath), { recursive: true });
  await writeFile(docPath, insertRow(doc, row, section));
}

/** `<ISO timestamp>-<name>`, with ':' and '.' as '-': a result file's name without extension (so results sort by time). */
export function resultStem(startedAt: Date | string, name: string): string {
  return `${fileStamp(startedAt)}-${name}`;
}

function fileStamp(startedAt: Date | string): string {
  return (typeof startedAt === 'string' ? startedAt : startedAt.toISOString()).replace(/[:.]/g, '-');
}

/**
 * Writes a bench's result as pretty JSON to <dir>/<timestamp>-<name>.json
 * (creating dir); returns the path. `nameFirst` writes <name>-<timestamp>.json
 * instead, for a bench whose files the docs already name that way.
 */
export async function writeResultJson(dir: string, name: string, startedAt: Date | string, result: unknown, opts: { readonly nameFirst?: boolean } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${opts.nameFirst ? `${name}-${fileStamp(startedAt)}` : resultStem(startedAt, name)}.json`);
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

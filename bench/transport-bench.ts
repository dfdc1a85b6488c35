/**
 * How should ticks cross from the ingest thread to a shard? Measures the
 * SharedArrayBuffer TickRing against batched postMessage (transferred and
 * cloned) and one postMessage per tick, between two worker threads:
 * throughput at max rate, producer-stamp → consumer-receipt latency at a fixed
 * offered rate and at max rate, and the CPU each thread spends.
 *
 *   npm run bench:transport [-- --scale=0.5] [-- --only=ring,transfer]
 *
 * Prints a table and writes bench/results/<ISO time>-transport.json.
 */
import { availableParallelism, cpus } from 'node:os';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { TickRing } from '../actors/tick-ring.js';
import { RESULTS_DIR } from './load/paths.js';
import { writeResultJson } from './load/results-docs.js';
import { Control, type ConsumerReport, type ProducerReport, type Scenario, type Transport, type WorkerData } from './transport/protocol.js';

const WINDOW = 16_384; // records in flight: ring capacity = postMessage credit window
const FIXED_RATE = 100_000; // records/s offered in the fixed-rate runs
const INTERVAL_MS = 5;

function parseArgs(argv: string[]): { scale: number; only: Set<Transport> | null } {
  let scale = 1;
  let only: Set<Transport> | null = null;
  for (const a of argv) {
    const [k, v] = a.replace(/^--/, '').split('=');
    if (k === 'scale' && Number(v) > 0) scale = Number(v);
    else if (k === 'only' && v) only = new Set(v.split(',') as Transport[]);
    else throw new Error(`unknown option ${a} (use --scale=<factor> or --only=ring,transfer,clone,per-tick)`);
  }
  return { scale, only };
}

function scenarios(scale: number): Scenario[] {
  const max = (transport: Transport, batch: number, records: number): Scenario => ({
    name: `${transport} ×${batch} max`,
    transport,
    batch,
    records: Math.round(records * scale),
    rate: 0,
    intervalMs: 0,
    warmup: Math.round((records * scale) / 10),
    sampleEvery: 16,
    window: WINDOW,
  });
  const fixed = (transport: Transport): Scenario => {
    const batch = (FIXED_RATE * INTERVAL_MS) / 1000;
    const seconds = 2 * scale;
    return {
      name: `${transport} ${FIXED_RATE / 1000}k/s`,
      transport,
      batch,
      records: Math.round(FIXED_RATE * (seconds + 0.25)),
      rate: FIXED_RATE,
      intervalMs: INTERVAL_MS,
      warmup: FIXED_RATE / 4, // 250 ms
      sampleEvery: 1,
      window: WINDOW,
    };
  };
  return [
    fixed('ring'),
    fixed('transfer'),
    fixed('clone'),
    fixed('per-tick'),
    max('ring', 256, 20_000_000),
    max('ring', 1024, 20_000_000),
    max('ring', 4096, 20_000_000),
    max('transfer', 256, 20_000_000),
    max('transfer', 1024, 20_000_000),
    max('transfer', 4096, 20_000_000),
    max('clone', 256, 15_000_000),
    max('clone', 1024, 15_000_000),
    max('clone', 4096, 15_000_000),
    max('per-tick', 1, 500_000),
  ];
}

interface Result {
  readonly scenario: Scenario;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly producer: ProducerReport;
  readonly consumer: ConsumerReport;
  /** Producer + consumer CPU per record moved, ns. */
  readonly cpuNsPerRecord: number;
}

async function run(s: Scenario): Promise<Result> {
  const control = new SharedArrayBuffer(Control.words * 4);
  const base = { scenario: s, control };
  let producerData: WorkerData;
  let consumerData: WorkerData;
  let transfer: { producer: MessagePort[]; consumer: MessagePort[] } = { producer: [], consumer: [] };
  if (s.transport === 'ring') {
    const ring = TickRing.allocate(WINDOW);
    producerData = { ...base, role: 'producer', ring };
    consumerData = { ...base, role: 'consumer', ring };
  } else {
    const { port1, port2 } = new MessageChannel();
    producerData = { ...base, role: 'producer', port: port1 };
    consumerData = { ...base, role: 'consumer', port: port2 };
    transfer = { producer: [port1], consumer: [port2] };
  }
  const url = new URL('./transport/worker.js', import.meta.url);
  const consumer = new Worker(url, { workerData: consumerData, transferList: transfer.consumer });
  const producer = new Worker(url, { workerData: producerData, transferList: transfer.producer });
  const reports = [consumer, producer].map(
    (w, i) =>
      new Promise<ProducerReport | ConsumerReport>((resolve, reject) => {
        w.on('message', (m: unknown) => {
          if (m !== 'ready') resolve(m as ProducerReport | ConsumerReport);
        });
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`${s.name}: ${i === 0 ? 'consumer' : 'producer'} exited (${code}) before reporting`)));
      }),
  );
  await Promise.all([consumer, producer].map((w) => new Promise<void>((r) => w.once('message', () => r()))));
  consumer.postMessage('go');
  producer.postMessage('go');
  const [c, p] = (await Promise.all(reports)) as [ConsumerReport, ProducerReport];
  await Promise.all([consumer.terminate(), producer.terminate()]);
  if (c.errors !== 0 || c.records !== s.records) throw new Error(`${s.name}: consumer got ${c.records}/${s.records} records with ${c.errors} errors`);
  const seconds = (c.endNs - p.startNs) / 1e9;
  return { scenario: s, seconds, recordsPerSecond: s.records / seconds, producer: p, consumer: c, cpuNsPerRecord: (p.cpuNs + c.cpuNs) / s.records };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function row(r: Result): string[] {
  const l = r.consumer.latency;
  const pct = (t: { cpuNs: number }): string => `${fmt(t.cpuNs / 1e6)} ms (${fmt((t.cpuNs / 1e9 / r.seconds) * 100)}%)`;
  return [
    r.scenario.name,
    fmt(r.scenario.records),
    fmt(r.recordsPerSecond),
    fmt(l.p50Us, 1),
    fmt(l.p99Us, 1),
    fmt(l.maxUs, 0),
    pct(r.producer),
    pct(r.consumer),
    fmt(r.cpuNsPerRecord, 0),
    `${fmt(r.producer.elu * 100)}/${fmt(r.consumer.elu * 100)}%`,
  ];
}

function table(rows: string[][]): string {
  const head = ['scenario', 'records', 'records/s', 'p50 µs', 'p99 µs', 'max µs', 'producer CPU', 'consumer CPU', 'CPU ns/rec', 'ELU p/c'];
  const all = [head, ...rows];
  const w = head.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

const { scale, only } = parseArgs(process.argv.slice(2));
const startedAt = new Date();
const list = scenarios(scale).filter((s) => !only || only.has(s.transport));
console.log(`transport bench: node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), scale ${scale}`);
console.log(`fixed rate: ${fmt(FIXED_RATE)} records/s in ${INTERVAL_MS} ms batches; max rate: bounded by ${fmt(WINDOW)} records in flight\n`);
const results: Result[] = [];
const rows: string[][] = [];
for (const s of list) {
  const r = await run(s);
  results.push(r);
  rows.push(row(r));
  if (process.stderr.isTTY) process.stderr.write(`\r${rows.length}/${list.length} ${s.name}`.padEnd(40));
}
if (process.stderr.isTTY) process.stderr.write('\r'.padEnd(41) + '\r');
console.log(table(rows));
console.log(`\nlatency: producer stamp (before the hand-over, including any wait for space/credit) → consumer receipt; max-rate latency is queueing in a full window.`);
console.log(`CPU: per-thread on-CPU time (${results[0]?.producer.cpuSource ?? '?'}) over the run, % of the run's wall time.`);

const file = await writeResultJson(RESULTS_DIR, 'transport', startedAt, {
  startedAt: startedAt.toISOString(),
  command: `npm run bench:transport${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
  node: process.version,
  arch: process.arch,
  cpus: availableParallelism(),
  cpuModel: cpus()[0]?.model,
  window: WINDOW,
  fixedRate: { recordsPerSecond: FIXED_RATE, intervalMs: INTERVAL_MS },
  results,
});
console.log(`\nwrote ${file}`);

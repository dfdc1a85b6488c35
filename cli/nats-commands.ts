import type { Config } from '../core/index.js';
import { JetStreamQuarantineStore, connectNats, ensureStreams, type QuarantinedMessage } from '../ingest/jetstream/index.js';
import { streamsConfig } from '../ingest/jetstream-pipeline.js';

/** `bourse streams ensure`: creates or updates MARKET and QUARANTINE as configured. */
export async function streamsCommand(config: Config, args: string[], out: NodeJS.WritableStream): Promise<number> {
  if (args[0] !== 'ensure' || args.length !== 1) {
    out.write('usage: bourse streams ensure\n');
    return 2;
  }
  return withNats(config, 'bourse-cli-streams', async (nc) => {
    const result = await ensureStreams(await nc.jetstreamManager(), streamsConfig(config));
    out.write(`${config.natsMarketStream}: ${result.market}\n${config.natsQuarantineStream}: ${result.quarantine}\n`);
    return 0;
  });
}

const QUARANTINE_USAGE = `usage: bourse quarantine list [--after ID] [--limit N]
       bourse quarantine show ID
       bourse quarantine replay ID
       bourse quarantine purge ID|--all
`;

/** `bourse quarantine list|show|replay|purge`: inspects and replays poison pills. */
export async function quarantineCommand(config: Config, args: string[], out: NodeJS.WritableStream): Promise<number> {
  const [verb, ...rest] = args;
  const id = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const flag = (name: string): number | undefined => {
    const i = rest.indexOf(name);
    return i >= 0 ? id(rest[i + 1]) : undefined;
  };
  const usage = (): number => (out.write(QUARANTINE_USAGE), 2);
  if (!verb || !['list', 'show', 'replay', 'purge'].includes(verb)) return usage();
  if ((verb === 'show' || verb === 'replay') && id(rest[0]) === undefined) return usage();
  if (verb === 'purge' && id(rest[0]) === undefined && rest[0] !== '--all') return usage();
  const s = streamsConfig(config);
  return withNats(config, 'bourse-cli-quarantine', async (nc) => {
    const store = await JetStreamQuarantineStore.create(nc, { stream: s.quarantine.name, prefix: s.quarantine.prefix });
    switch (verb) {
      case 'list': {
        const entries = await store.list({ afterId: flag('--after'), limit: flag('--limit') ?? 100 });
        for (const e of entries) out.write(`${summary(e)}\n`);
        out.write(`${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}\n`);
        return 0;
      }
      case 'show': {
        const e = await store.show(id(rest[0])!);
        if (!e) return notFound(out, rest[0]);
        out.write(JSON.stringify({ ...e, payload: Buffer.from(e.payload).toString('base64'), payloadEncoding: 'base64' }, null, 2) + '\n');
        return 0;
      }
      case 'replay':
        if (!(await store.replay(id(rest[0])!))) return notFound(out, rest[0]);
        out.write(`replayed ${rest[0]} to its original subject\n`);
        return 0;
      case 'purge': {
        const n = await store.purge(rest[0] === '--all' ? undefined : id(rest[0]));
        out.write(`purged ${n}\n`);
        return 0;
      }
    }
    return usage();
  });
}

function summary(e: QuarantinedMessage): string {
  return `${e.id}\t${new Date(e.quarantinedAt).toISOString()}\t${e.reason}\t${e.subject}\tdeliveries=${e.deliveryCount}\t${e.detail}`;
}

function notFound(out: NodeJS.WritableStream, id: string | undefined): number {
  out.write(`no quarantined message ${id}\n`);
  return 1;
}

async function withNats(config: Config, name: string, fn: (nc: Awaited<ReturnType<typeof connectNats>>['nc']) => Promise<number>): Promise<number> {
  if (!config.natsUrl) {
    process.stderr.write('bourse: NATS_URL is not set (e.g. NATS_URL=nats://127.0.0.1:4222)\n');
    return 2;
  }
  const nats = await connectNats({ servers: config.natsUrl.split(',').map((s) => s.trim()), name });
  try {
    return await fn(nats.nc);
  } finally {
    await nats.close();
  }
}

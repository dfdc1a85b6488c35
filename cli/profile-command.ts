import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../core/index.js';

export const PROFILE_USAGE = `usage: bourse profile --thread NAME [--seconds N] --out FILE.html|FILE.cpuprofile|FILE.heapsnapshot
                      [--url http://127.0.0.1:8080] [--token TOKEN] [--idle]
  Takes a CPU profile of one thread of a running server (main, gateway-i, shard-j, ingest, store)
  and writes it as a flamegraph page (.html), a Chrome DevTools / speedscope profile (.cpuprofile),
  or a heap snapshot (.heapsnapshot). The token defaults to BOURSE_ADMIN_TOKEN; the URL to this host's PORT.
`;

/** What the output file's extension asks for. */
const KINDS: Record<string, { path: string; cpu: boolean }> = {
  html: { path: '/admin/flamegraph', cpu: true },
  cpuprofile: { path: '/admin/profile', cpu: true },
  json: { path: '/admin/profile', cpu: true },
  heapsnapshot: { path: '/admin/heap', cpu: false },
};

/**
 * `bourse profile`: asks a running server's admin endpoints for a profile
 * and streams it to a file. Exit 0 on success, 2 on bad usage, 1 when the
 * server refuses (its error code and message are printed).
 */
export async function profileCommand(config: Config, args: string[], out: NodeJS.WritableStream, err: NodeJS.WritableStream): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args,
      options: { thread: { type: 'string' }, seconds: { type: 'string' }, out: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' }, idle: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    err.write(`bourse profile: ${(e as Error).message}\n${PROFILE_USAGE}`);
    return 2;
  }
  const ext = /\.([a-z]+)$/i.exec(v.out ?? '')?.[1]?.toLowerCase() ?? '';
  const kind = KINDS[ext];
  if (!v.thread || !v.out || !kind) {
    err.write(`bourse profile: --thread and --out (.html, .cpuprofile or .heapsnapshot) are required\n${PROFILE_USAGE}`);
    return 2;
  }
  const seconds = v.seconds ?? '10';
  if (kind.cpu && !/^\d+$/.test(seconds)) {
    err.write(`bourse profile: --seconds must be a whole number\n`);
    return 2;
  }
  const token = v.token ?? config.adminToken;
  if (!token) {
    err.write('bourse profile: give --token or set BOURSE_ADMIN_TOKEN\n');
    return 2;
  }
  const base = (v.url ?? `http://127.0.0.1:${config.port}`).replace(/\/+$/, '');
  const q = new URLSearchParams({ thread: v.thread });
  if (kind.cpu) q.set('seconds', seconds);
  if (v.idle) q.set('idle', '1');
  const url = `${base}${kind.path}?${q}`;
  err.write(kind.cpu ? `profiling ${v.thread} for ${seconds} s…\n` : `taking a heap snapshot of ${v.thread}…\n`);
  let res: Response;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (e) {
    err.write(`bourse profile: cannot reach ${base}: ${(e as Error).cause ?? (e as Error).message}\n`);
    return 1;
  }
  if (res.status !== 200 || !res.body) {
    const text = await res.text();
    let detail = text.slice(0, 300);
    try {
      const e = (JSON.parse(text) as { error: { code: string; message: string } }).error;
      detail = `${e.code}: ${e.message}`;
    } catch {
      // not JSON (e.g. a proxy's page): print it as it is
    }
    err.write(`bourse profile: ${res.status} ${detail}${res.status === 404 && !text.includes('"code"') ? ' (is BOURSE_ADMIN_TOKEN set on the server?)' : ''}\n`);
    return 1;
  }
  const file = createWriteStream(v.out);
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), file);
  out.write(`wrote ${v.out} (${Math.round(file.bytesWritten / 1024)} KiB)\n`);
  return 0;
}

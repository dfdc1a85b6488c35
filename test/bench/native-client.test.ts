import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ClientFleet, type ClientSummary } from '../../bench/load/client-fleet.js';
import { ensureNativeClient } from '../../bench/load/native-build.js';

/**
 * The native client against a hand-written WebSocket server that controls
 * every byte: arrays of messages, nested objects with decoy keys, a
 * fragmented message with a ping between its fragments, a frame split over
 * three TCP writes, a 64-bit-length frame bigger than the client's read
 * buffer, seq gaps and duplicates, an error message and a 4001 close.
 */

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  let head: Buffer;
  if (body.length < 126) head = Buffer.from([(fin ? 0x80 : 0) | opcode, body.length]);
  else if (body.length < 65536) {
    head = Buffer.from([(fin ? 0x80 : 0) | opcode, 126, 0, 0]);
    head.writeUInt16BE(body.length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = (fin ? 0x80 : 0) | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(body.length), 2);
  }
  return Buffer.concat([head, body]);
}

interface ClientFrame {
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Buffer;
}

/** Splits complete client frames off the front of buf. */
function readClientFrames(buf: Buffer): { frames: ClientFrame[]; rest: Buffer } {
  const frames: ClientFrame[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    const masked = (buf[off + 1] & 0x80) !== 0;
    let len = buf[off + 1] & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      p += 2;
    } else if (len === 127) {
      if (buf.length - off < 10) break;
      len = Number(buf.readBigUInt64BE(off + 2));
      p += 8;
    }
    const key = masked ? buf.subarray(p, p + 4) : undefined;
    if (masked) p += 4;
    if (buf.length < p + len) break;
    const payload = Buffer.from(buf.subarray(p, p + len));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    frames.push({ opcode: buf[off] & 0x0f, masked, payload });
    off = p + len;
  }
  return { frames, rest: buf.subarray(off) };
}

interface Observed {
  protocolHeader: string;
  subscribe: unknown;
  readonly clientFrames: ClientFrame[];
}

type Script = (sock: Socket) => Promise<void>;

/** Serves one scripted session per connection: the script starts after the subscribe. */
function startScriptedServer(observed: Observed, script: Script): Server {
  return createServer((sock: Socket) => {
    let buf: Buffer = Buffer.alloc(0);
    let upgraded = false;
    sock.on('error', () => {});
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        buf = buf.subarray(end + 4);
        const key = /^sec-websocket-key:\s*(\S+)/im.exec(head)?.[1] ?? '';
        observed.protocolHeader = /^sec-websocket-protocol:\s*(.+)$/im.exec(head)?.[1]?.trim() ?? '';
        const accept = createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
        sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: bourse.v1.json\r\n\r\n`);
        upgraded = true;
      }
      const { frames, rest } = readClientFrames(buf);
      buf = rest;
      for (const f of frames) {
        observed.clientFrames.push(f);
        if (f.opcode === 1 && observed.subscribe === undefined) {
          observed.subscribe = JSON.parse(f.payload.toString());
          void script(sock);
        }
      }
    });
  });
}

async function runScript(sock: Socket): Promise<void> {
  const ta = (): number => Date.now() - 5 + 0.25;
  const q = (symbol: string, seq: number, extra = ''): string => `{"type":"quote","symbol":"${symbol}","seq":${seq},"ts":${Date.now() - 2},"ta":${ta()}${extra}}`;
  const write = async (b: Buffer, pauseMs = 15): Promise<void> => {
    sock.write(b);
    await sleep(pauseMs);
  };

  // Snapshots as one array frame; the nested "bar" holds keys that must be ignored.
  await write(frame(1, '[{"type":"snapshot","symbol":"AAA","seq":10,"bar":{"seq":99,"type":"bar","symbol":"BBB"}},{"type":"snapshot","symbol":"BBB","seq":5}]'));
  // Two frames in one write, the second an array of two quotes.
  await write(Buffer.concat([frame(1, q('AAA', 11)), frame(1, `[${q('BBB', 6)},${q('AAA', 12)}]`)]));
  // A fragmented message with a ping between its fragments, each in its own write.
  const fragmented = q('BBB', 7);
  await write(frame(1, fragmented.slice(0, 20), false));
  await write(frame(9, 'hi'));
  await write(frame(0, fragmented.slice(20, 40), false));
  await write(frame(0, fragmented.slice(40), true));
  // One frame split over three writes: AAA jumps 12 → 15 (a gap of 2).
  const split = frame(1, q('AAA', 15));
  await write(split.subarray(0, 1));
  await write(split.subarray(1, 9));
  await write(split.subarray(9));
  // A duplicate, then a 300 kB frame (64-bit length, larger than the client's read buffer).
  await write(frame(1, q('AAA', 15)));
  await write(frame(1, q('BBB', 8, `,"pad":"${'x'.repeat(300_000)}"`)), 50);
  // An error message, a quote for a symbol this connection never asked for, then a 4001 close.
  await write(frame(1, '{"type":"error","code":"unknown_symbol","message":"nope"}'));
  await write(frame(1, q('ZZZ', 1)));
  const close = Buffer.alloc(6);
  close.writeUInt16BE(4001, 0);
  close.write('slow', 2);
  await write(frame(8, close), 100);
  sock.end();
}

/** Runs one native client connection (symbols AAA, BBB) against script until the server closes it. */
async function runAgainst(script: Script, observed: Observed): Promise<ClientSummary> {
  const binary = await ensureNativeClient();
  const dir = await mkdtemp(join(tmpdir(), 'wsload-test-'));
  const server = startScriptedServer(observed, script);
  try {
    const symbolsFile = join(dir, 'symbols.txt');
    await writeFile(symbolsFile, 'AAA\nBBB\nCCC\n');
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const fleet = new ClientFleet({
      binary, host: '127.0.0.1', port, path: '/v1/stream', protocol: 'bourse.v1.json', connections: 1, processes: 1,
      symbolsFile, symbolsPerConn: 2, rampPerS: 100, maxPending: 10, sourceAddresses: 1, connectTimeoutMs: 5000, reportMs: 50,
    });
    try {
      const deadline = Date.now() + 10_000;
      while (!fleet.progress.some((p) => p.closed === 1) && Date.now() < deadline) await sleep(20);
      const [summary] = await fleet.stop();
      return summary;
    } finally {
      fleet.kill();
    }
  } finally {
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

describe('native client (wsload) against a scripted server', () => {
  let summary: ClientSummary;
  const observed: Observed = { protocolHeader: '', subscribe: undefined, clientFrames: [] };

  before(async () => {
    summary = await runAgainst(runScript, observed);
  });

  it('connects once with the sub-protocol and subscribes to its symbols', () => {
    assert.equal(summary.attempted, 1);
    assert.equal(summary.failed, 0, JSON.stringify(summary.failures));
    assert.equal(observed.protocolHeader, 'bourse.v1.json');
    assert.deepEqual(observed.subscribe, { op: 'subscribe', symbols: ['AAA', 'BBB'], channels: ['quotes'] });
  });

  it('counts messages by type across arrays, fragments and split frames', () => {
    assert.deepEqual(summary.messages, { snapshot: 2, quote: 8, trades: 0, bar: 0, error: 1, pong: 0, other: 0 });
    assert.equal(summary.frames, 9); // data messages after reassembly; the ping is not one
  });

  it('counts seq gaps, duplicates and unsubscribed symbols', () => {
    assert.equal(summary.gaps, 2);
    assert.equal(summary.duplicates, 1);
    assert.equal(summary.unknownSymbol, 1);
  });

  it('records the latency of every quote of a subscribed symbol', () => {
    const lat = summary.window.latencyUs;
    assert.equal(lat.count, 7);
    assert.ok(lat.min >= 4000, `min ${lat.min} µs: ta was 5 ms in the past`);
    assert.ok(lat.max < 2_000_000, `max ${lat.max} µs`);
  });

  it('records frame-to-wire from ts apart from tick-to-wire from ta', () => {
    const frame = summary.window.frameLatencyUs!;
    const lat = summary.window.latencyUs;
    assert.equal(frame.count, 7);
    assert.ok(frame.min >= 1500, `min ${frame.min} µs: ts was 2 ms in the past`);
    // ta was 3 ms further back than ts in every quote.
    assert.ok(frame.sum / frame.count < lat.sum / lat.count - 2000, `frame mean ${frame.sum / frame.count} µs, tick mean ${lat.sum / lat.count} µs`);
  });

  it('tallies error codes and close codes', () => {
    assert.deepEqual(summary.errors, { unknown_symbol: 1 });
    assert.deepEqual(summary.closes, { '4001': 1 });
    assert.deepEqual(summary.protocolErrors, {});
    assert.equal(summary.closed, 1);
    assert.equal(summary.open, 0);
  });

  it('answers the ping with a masked pong and echoes the close code', () => {
    assert.equal(summary.pings, 1);
    assert.ok(observed.clientFrames.every((f) => f.masked), 'client frames are masked');
    const pong = observed.clientFrames.find((f) => f.opcode === 10);
    assert.equal(pong?.payload.toString(), 'hi');
    const close = observed.clientFrames.find((f) => f.opcode === 8);
    assert.equal(close?.payload.readUInt16BE(0), 4001);
  });
});

describe('native client (wsload) on a frame it cannot accept', () => {
  it('closes with 1002 and reports a protocol error, not a server close', async () => {
    const observed: Observed = { protocolHeader: '', subscribe: undefined, clientFrames: [] };
    const summary = await runAgainst(async (sock) => {
      // RSV1 set, but no extension was negotiated.
      sock.write(Buffer.concat([Buffer.from([0xc1, 2]), Buffer.from('{}')]));
      await sleep(200);
      sock.end();
    }, observed);
    assert.deepEqual(summary.protocolErrors, { 'protocol: bad frame header': 1 });
    assert.deepEqual(summary.closes, { '1002': 1 });
    assert.equal(summary.failed, 0);
    assert.equal(observed.clientFrames.find((f) => f.opcode === 8)?.payload.readUInt16BE(0), 1002);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameBatchWriter, FrameKind, ManualClock, Universe } from '../../core/index.js';
import { BatchGate } from '../../gateway/batch-gate.js';
import { Fanout, type Publisher } from '../../gateway/fanout.js';
import { Topics } from '../../gateway/topics.js';

const universe = new Universe(['AAPL', 'MSFT'].map((symbol) => ({ symbol, name: symbol, exchange: '' })));

/** Records every publish as "topic=text". */
class Recorder implements Publisher {
  readonly sent: string[] = [];
  publish(topic: string, message: Uint8Array): boolean {
    this.sent.push(`${topic}=${new TextDecoder().decode(message)}`);
    return true;
  }
}

function batch(shard: number, flushTs: number, frames: [number, FrameKind, string][]): ArrayBuffer {
  const w = new FrameBatchWriter();
  for (const [id, kind, json] of frames) w.add(id, kind, 1, json, null);
  return w.finish(shard, flushTs, 1)[0];
}

test('fanout publishes each frame to its topic once, only in the formats it carries', () => {
  const app = new Recorder();
  const fanout = new Fanout(app, new Topics(universe), new ManualClock());
  fanout.onBatch(batch(0, 0, [[0, FrameKind.quote, 'q1'], [1, FrameKind.trades, 't1'], [1, FrameKind.bar, 'b1']]));
  assert.deepEqual(app.sent, ['qj:AAPL=q1', 'tj:MSFT=t1', 'bj:MSFT=b1']);
  assert.equal(fanout.stats.publishes, 3);
});

test('throttle bucket: forwards when its window is open, keeps only the latest otherwise, sends it when the window opens', () => {
  const app = new Recorder();
  const clock = new ManualClock(1_000_000);
  const fanout = new Fanout(app, new Topics(universe), clock);
  fanout.retainThrottle(0, 200);
  fanout.retainThrottle(0, 200); // a second subscriber shares the bucket
  const quote = (n: number) => fanout.onBatch(batch(0, clock.now(), [[0, FrameKind.quote, `q${n}`]]));
  quote(1);
  clock.advance(50);
  quote(2);
  clock.advance(50);
  quote(3);
  fanout.tick();
  const throttled = () => app.sent.filter((s) => s.startsWith('qj:AAPL@200='));
  assert.deepEqual(throttled(), ['qj:AAPL@200=q1'], 'q2, q3 held back inside the window');
  clock.advance(100);
  fanout.tick();
  assert.deepEqual(throttled(), ['qj:AAPL@200=q1', 'qj:AAPL@200=q3'], 'the latest one (q3) goes out when the window opens; q2 never');
  fanout.tick();
  assert.equal(throttled().length, 2, 'nothing pending afterwards');
  assert.equal(app.sent.filter((s) => s.startsWith('qj:AAPL=')).length, 3, 'unthrottled subscribers got every quote');
  fanout.releaseThrottle(0, 200);
  fanout.releaseThrottle(0, 200);
  clock.advance(500);
  quote(4);
  assert.equal(throttled().length, 2, 'a released bucket publishes nothing');
});

test('batch gate: a window is released once every shard delivered, or after the wait; a new window flushes the old', async () => {
  const released: number[][] = [];
  let expected = 2;
  const gate = new BatchGate(50, () => expected, (bs) => released.push(bs.map((b) => new DataView(b).getUint32(16, true))), 20);
  gate.push(batch(0, 1000, []));
  assert.equal(released.length, 0, 'waits for the other shard');
  gate.push(batch(1, 1001, []));
  assert.deepEqual(released, [[0, 1]], 'both shards of window 20 together');
  gate.push(batch(0, 1050, []));
  gate.push(batch(0, 1100, [])); // shard 1 missed window 21: the next window flushes it
  assert.deepEqual(released.at(-1), [0]);
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(released.at(-1), [0], 'the late window went out after the wait');
  assert.equal(gate.timeouts, 1);
  expected = 1;
  gate.push(batch(0, 1150, []));
  assert.equal(released.length, 4, 'with one shard attached, each batch is a full window');
});

import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { CpuProfile } from '../../core/index.js';
import { launchChromium } from '../helpers/browser.js';
import { decodePng } from '../helpers/png.js';
import { rest, type RestResponse } from '../helpers/rest.js';
import { sleep, startTestServer, until } from '../helpers/server.js';

const TOKEN = 'test-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
/** Where the flamegraph screenshot goes; BOURSE_DOC_IMAGES=1 also refreshes the one in docs/img/. */
const SHOT_DIR = new URL('../../../dist/test-output/', import.meta.url);
const DOC_SHOT = new URL('../../../docs/img/flamegraph-shard.png', import.meta.url);

/** GET `path` with the admin token (or with `headers` instead). */
const get = <T = any>(port: number, path: string, headers: Record<string, string> = auth): Promise<RestResponse<T>> => rest<T>(port, 'GET', path, { headers });

test('admin profiling is off without BOURSE_ADMIN_TOKEN: every /admin route is 404', async () => {
  const server = await startTestServer();
  try {
    for (const path of ['/admin/threads', '/admin/profile?thread=main&seconds=1', '/admin/flamegraph?thread=main', '/admin/heap?thread=main']) {
      assert.equal((await get(server.port, path)).status, 404, path);
    }
  } finally {
    await server.stop();
  }
});

test('profiling a busy shard: its own hot functions, none of a gateway; auth, validation and one-at-a-time codes; heap snapshot; flamegraph in headless Chromium', async () => {
  const server = await startTestServer({ BOURSE_ADMIN_TOKEN: TOKEN, FEED: 'simulator', SIM_RATE: '40000', PROFILE_MAX_SECONDS: '30', PROFILE_SAMPLING_US: '200' });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    // Auth: no token, wrong token.
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: TOKEN }] as Record<string, string>[]) {
      const r = await get(server.port, '/admin/profile?thread=shard-0&seconds=1', headers);
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'unauthorized');
    }

    const { body: threads } = await get<{ threads: { name: string; state: string }[] }>(server.port, '/admin/threads');
    assert.deepEqual(threads.threads.map((t) => t.name), ['main', 'gateway-0', 'gateway-1', 'shard-0', 'shard-1', 'ingest', 'store']);
    assert.ok(threads.threads.every((t) => t.state === 'ready'), JSON.stringify(threads));

    // Validation codes.
    for (const [path, status, code] of [
      ['/admin/profile?thread=shard-9&seconds=1', 404, 'unknown_thread'],
      ['/admin/profile?seconds=1', 404, 'unknown_thread'],
      ['/admin/heap?thread=nats', 404, 'unknown_thread'],
      ['/admin/profile?thread=shard-0&seconds=0', 400, 'invalid_profile_seconds'],
      ['/admin/profile?thread=shard-0&seconds=31', 400, 'invalid_profile_seconds'],
      ['/admin/flamegraph?thread=shard-0&seconds=1.5', 400, 'invalid_profile_seconds'],
      ['/admin/profile?thread=shard-0&seconds=-1', 400, 'invalid_profile_seconds'],
    ] as const) {
      const r = await get(server.port, path);
      assert.equal(r.status, status, path);
      assert.equal(r.body.error.code, code, path);
    }

    // The busy shard: its profile holds the tick path's functions (ticker actor apply, shard flush) and no gateway code.
    const busy = get<CpuProfile>(server.port, '/admin/profile?thread=shard-0&seconds=3');
    await sleep(500);
    // One profile per thread at a time; another thread can be profiled meanwhile.
    const second = await get(server.port, '/admin/profile?thread=shard-0&seconds=1');
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'profile_in_progress');
    const other = await get<CpuProfile>(server.port, '/admin/profile?thread=gateway-1&seconds=1');
    assert.equal(other.status, 200);
    const gatewayProfile = other.body;
    const r = await busy;
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-disposition') ?? '', /filename="shard-0-.*\.cpuprofile"/);
    const profile = r.body;
    assert.ok(profile.nodes.length > 5 && (profile.samples?.length ?? 0) > 100, `${profile.samples?.length} samples`);
    assert.ok(profile.endTime - profile.startTime >= 2.9e6, 'the profile spans the requested seconds');
    const fns = (p: CpuProfile) => new Set(p.nodes.map((n) => `${n.callFrame.url.replace(/^.*\/dist\//, '')}#${n.callFrame.functionName}`));
    const shardFns = fns(profile);
    assert.ok(shardFns.has('actors/ticker-actor.js#apply'), [...shardFns].filter((f) => f.startsWith('actors/')).join(' '));
    assert.ok(shardFns.has('actors/shard.js#flush'), [...shardFns].filter((f) => f.startsWith('actors/')).join(' '));
    assert.ok(![...shardFns].some((f) => f.startsWith('gateway/')), 'a shard profile holds no gateway code: it was taken inside the shard');
    assert.ok(![...fns(gatewayProfile)].some((f) => f.startsWith('actors/ticker-actor.js')), 'and the gateway profile no actor code');

    // Main profiles itself; the heap snapshot streams a whole .heapsnapshot.
    const main = await get<CpuProfile>(server.port, '/admin/profile?thread=main&seconds=1');
    assert.equal(main.status, 200);
    assert.ok(main.body.nodes.length > 0);
    const heap = await get<{ snapshot: { meta: { node_fields: string[] }; node_count: number }; strings: string[] }>(server.port, '/admin/heap?thread=shard-1');
    assert.equal(heap.status, 200);
    const snapshot = heap.body;
    assert.ok(snapshot.snapshot.node_count > 1000, `node_count ${snapshot.snapshot.node_count}`);
    assert.ok(snapshot.strings.includes('TickerActor'), 'the shard heap holds its ticker actors');

    // The flamegraph page in headless Chromium.
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1240, height: 760 }, extraHTTPHeaders: auth });
      const res = await page.goto(`${base}/admin/flamegraph?thread=shard-0&seconds=3`, { timeout: 60_000 });
      assert.equal(res?.status(), 200);
      assert.equal(await page.title(), 'Flamegraph — shard-0');
      assert.match((await page.textContent('#busy')) ?? '', /^Busy \d+\.\d%$/);
      const frames = await page.locator('g.f').count();
      assert.ok(frames > 10, `${frames} frames`);
      const titles = await page.locator('g.f title').allTextContents();
      assert.ok(titles.some((t) => /^apply \(actors\/ticker-actor\.js:\d+\)/.test(t)), 'a frame for TickerActor.apply');
      await page.fill('#q', 'ticker-actor');
      const matched = await page.textContent('#matched');
      const share = Number(/matched: ([\d.]+)%/.exec(matched ?? '')?.[1]);
      assert.ok(share > 0 && share <= 100, String(matched));
      assert.ok((await page.locator('g.f.hit').count()) > 0);
      await page.fill('#q', '');
      const shot = await page.screenshot({ fullPage: false });
      mkdirSync(SHOT_DIR, { recursive: true });
      writeFileSync(new URL('flamegraph-shard.png', SHOT_DIR), shot);
      if (process.env.BOURSE_DOC_IMAGES === '1') writeFileSync(DOC_SHOT, shot);
      // What was drawn in the flamegraph's box: mostly coloured frames, in several hues.
      const img = decodePng(await page.locator('#fg').screenshot());
      let coloured = 0;
      const hues = new Set<number>();
      for (let i = 0; i < img.rgba.length; i += 4) {
        const [r, g, b] = [img.rgba[i], img.rgba[i + 1], img.rgba[i + 2]];
        const max = Math.max(r, g, b);
        const min = Math.min(r, g, b);
        if (max - min > 40) {
          coloured++;
          const h = max === r ? ((g - b) / (max - min) + 6) % 6 : max === g ? (b - r) / (max - min) + 2 : (r - g) / (max - min) + 4;
          hues.add(Math.floor(h * 10));
        }
      }
      // How much of the box is coloured depends on the profile: VM frames ((program), GC) are drawn grey and
      // took 40–60% of this lightly loaded shard's busy time, leaving 8–16% of the box coloured in practice.
      // A blank or grey-only render gives ~0%.
      assert.ok(coloured / (img.width * img.height) > 0.03, `${((coloured / (img.width * img.height)) * 100).toFixed(1)}% coloured pixels`);
      assert.ok(hues.size >= 3, `${hues.size} hue buckets`);
    } finally {
      await browser.close();
    }
  } finally {
    await server.stop();
  }
});

test('a thread that crashes while it is being profiled answers 503 thread_unavailable; after its restart it can be profiled again', async () => {
  const server = await startTestServer({ BOURSE_ADMIN_TOKEN: TOKEN, RESTART_BACKOFF_MS: '50' });
  try {
    const pending = get(server.port, '/admin/profile?thread=shard-1&seconds=5');
    await sleep(500);
    server.worker('shard-1')!.postMessage({ type: 'fault' });
    const r = await pending;
    assert.equal(r.status, 503);
    assert.equal(r.body.error.code, 'thread_unavailable');
    // thread_unavailable is retryable: once the supervisor has restarted the shard, a retry succeeds.
    let again!: RestResponse;
    await until(async () => {
      again = await get(server.port, '/admin/profile?thread=shard-1&seconds=1');
      if (again.status !== 503) return true;
      assert.equal(again.body.error.code, 'thread_unavailable');
      return false;
    }, 15_000, 'shard-1 to be profiled after its restart');
    assert.equal(again.status, 200);
    assert.ok(server.restarts()['shard-1'] >= 1);
    assert.ok((again.body as CpuProfile).nodes.length > 0);
  } finally {
    await server.stop();
  }
});

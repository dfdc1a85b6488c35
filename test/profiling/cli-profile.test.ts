import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runBourse, type BourseRun } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

const TOKEN = 'test-admin-token-0123456789';

/** `bourse <args>`, silent, with no admin token from this process's environment (only the one a test passes). */
const bourse = (args: string[], env: Record<string, string> = {}): Promise<BourseRun> => runBourse(args, { LOG_LEVEL: 'silent', BOURSE_ADMIN_TOKEN: '', ...env });

test('bourse profile: writes a flamegraph page, a .cpuprofile and a heap snapshot of a running server; refusals exit 1 with the code, bad usage 2', async () => {
  const server = await startTestServer({ BOURSE_ADMIN_TOKEN: TOKEN, FEED: 'simulator', SIM_RATE: '5000' });
  const dir = mkdtempSync(join(tmpdir(), 'bourse-profile-'));
  const url = `http://127.0.0.1:${server.port}`;
  try {
    const html = join(dir, 'shard.html');
    const r1 = await bourse(['profile', '--thread', 'shard-0', '--seconds', '1', '--out', html, '--url', url, '--token', TOKEN]);
    assert.equal(r1.code, 0, r1.err);
    assert.match(r1.out, /wrote .*shard\.html/);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /<title>Flamegraph — shard-0<\/title>/);
    assert.match(page, /<svg id="fg"/);

    // The token from the environment, as on the server's host.
    const prof = join(dir, 'ingest.cpuprofile');
    const r2 = await bourse(['profile', '--thread', 'ingest', '--seconds', '1', '--out', prof, '--url', url], { BOURSE_ADMIN_TOKEN: TOKEN });
    assert.equal(r2.code, 0, r2.err);
    const p = JSON.parse(readFileSync(prof, 'utf8')) as { nodes: unknown[]; samples: number[] };
    assert.ok(p.nodes.length > 0 && p.samples.length > 0);

    const heap = join(dir, 'store.heapsnapshot');
    const r3 = await bourse(['profile', '--thread', 'store', '--out', heap, '--url', url, '--token', TOKEN]);
    assert.equal(r3.code, 0, r3.err);
    assert.ok((JSON.parse(readFileSync(heap, 'utf8')) as { snapshot: { node_count: number } }).snapshot.node_count > 0);

    const bad = await bourse(['profile', '--thread', 'shard-7', '--seconds', '1', '--out', join(dir, 'x.html'), '--url', url, '--token', TOKEN]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /404 unknown_thread/);
    const denied = await bourse(['profile', '--thread', 'main', '--seconds', '1', '--out', join(dir, 'x.html'), '--url', url, '--token', 'wrong-token-0123456789']);
    assert.equal(denied.code, 1);
    assert.match(denied.err, /401 unauthorized/);
    for (const args of [['--thread', 'main'], ['--out', 'x.html'], ['--thread', 'main', '--out', 'x.txt'], ['--thread', 'main', '--out', 'x.html', '--bogus']]) {
      const u = await bourse(['profile', ...args, '--token', TOKEN]);
      assert.equal(u.code, 2, args.join(' '));
      assert.match(u.err, /usage: bourse profile/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await server.stop();
  }
});

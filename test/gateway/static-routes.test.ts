import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadStaticFiles, registerStaticRoutes } from '../../gateway/static-routes.js';
import { closeApp, createApp, listenPort, type TemplatedApp } from '../../gateway/uws.js';
import { startTestServer } from '../helpers/server.js';

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw GET (node:http, so gzip is not undone for us), on a fresh socket: the global agent's socket reuse races uWS's close. */
function get(port: number, path: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close', ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", (e) => reject(new Error(`${path}: ${e.message}`)));
    req.end();
  });
}

/** Listens on 127.0.0.1:0; resolves to the port. */
function listen(app: TemplatedApp): Promise<number> {
  return new Promise((resolve, reject) => app.listen('127.0.0.1', 0, (s) => (s ? resolve(listenPort(s)) : reject(new Error('cannot listen')))));
}

const INDEX = '<!doctype html><title>Bourse</title><div id="app"></div>';
const APP_JS = `console.log(${JSON.stringify('x'.repeat(4000))});`;

async function withStaticServer(fn: (port: number) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bourse-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), INDEX);
  writeFileSync(join(dir, 'assets', 'index-DWRgueWJ.js'), APP_JS);
  writeFileSync(join(dir, 'assets', 'index-BbVWHl-y.css'), 'body{margin:0}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  const app = createApp();
  registerStaticRoutes(app, loadStaticFiles(dir));
  // Files are in memory: deleting them after start changes nothing.
  rmSync(dir, { recursive: true, force: true });
  const port = await listen(app);
  try {
    await fn(port);
  } finally {
    closeApp(app);
  }
}

test('static files: content types, cache policy by kind, ETag revalidation, gzip', async () => {
  await withStaticServer(async (port) => {
    const index = await get(port, '/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['cache-control'], 'no-cache');
    assert.equal(index.body.toString(), INDEX);

    const js = await get(port, '/assets/index-DWRgueWJ.js');
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    assert.equal(js.body.toString(), APP_JS);

    const css = await get(port, '/assets/index-BbVWHl-y.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await get(port, '/favicon.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'public, max-age=3600', 'an unhashed file is cached briefly');

    const zipped = await get(port, '/assets/index-DWRgueWJ.js', { 'accept-encoding': 'gzip, br' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.ok(zipped.body.length < APP_JS.length / 4);
    assert.equal(gunzipSync(zipped.body).toString(), APP_JS);

    const etag = String(js.headers.etag);
    const again = await get(port, '/assets/index-DWRgueWJ.js', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal((await get(port, '/assets/index-DWRgueWJ.js', { 'if-none-match': '"other"' })).status, 200);
  });
});

const NAVIGATE = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

test('static files: a browser on a client route gets index.html; API paths, missing files and non-browsers get the JSON 404', async () => {
  await withStaticServer(async (port) => {
    for (const path of ['/s/AAPL', '/alerts', '/login']) {
      const r = await get(port, path, NAVIGATE);
      assert.equal(r.status, 200, path);
      assert.equal(r.body.toString(), INDEX, path);
    }
    const notFound = [
      ['/assets/missing-12345678.js', NAVIGATE],
      ['/v1/nope', NAVIGATE],
      ['/admin/profile', NAVIGATE],
      ['/robots.txt', NAVIGATE],
      ['/s/AAPL', {}],
      ['/nope', { accept: 'application/json' }],
    ] as const;
    for (const [path, headers] of notFound) {
      const r = await get(port, path, headers);
      assert.equal(r.status, 404, `${path} ${JSON.stringify(headers)}`);
      assert.equal(r.headers['content-type'], 'application/json');
      assert.equal(JSON.parse(r.body.toString()).error.code, 'not_found', path);
    }
  });
});

test('static files: a missing build directory serves nothing and says why', async () => {
  assert.equal(loadStaticFiles(join(tmpdir(), 'bourse-no-such-dir')).size, 0);
  const app = createApp();
  registerStaticRoutes(app, loadStaticFiles(join(tmpdir(), 'bourse-no-such-dir')));
  const port = await listen(app);
  try {
    const r = await get(port, '/');
    assert.equal(r.status, 404);
    assert.match(JSON.parse(r.body.toString()).error.message, /not built/);
  } finally {
    closeApp(app);
  }
});

test('the gateway serves the built client at / while REST and the stream keep their routes', async (t) => {
  const server = await startTestServer();
  t.after(() => server.stop());
  const index = await get(server.port, '/');
  assert.equal(index.status, 200);
  assert.match(index.body.toString(), /<div id="app">/);
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body.toString())?.[1];
  assert.ok(script, 'index.html names its bundle');
  const js = await get(server.port, script);
  assert.equal(js.status, 200);
  assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
  const symbols = await get(server.port, '/v1/symbols');
  assert.equal(symbols.headers['content-type'], 'application/json');
  assert.equal(JSON.parse(symbols.body.toString()).count, 200);
  assert.equal((await get(server.port, '/healthz')).status, 200);
  assert.equal((await get(server.port, '/s/MSFT', NAVIGATE)).body.toString(), index.body.toString());
  assert.equal((await get(server.port, '/admin/profile', NAVIGATE)).status, 404, 'admin stays the server\'s');
});

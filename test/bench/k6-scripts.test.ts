import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../bench/load/paths.js';

/**
 * k6 is not installed here, so its scripts cannot run; this keeps them at
 * least valid JavaScript modules (node --check parses without resolving the
 * k6/* imports) with what k6 needs: `options` and a default function, and
 * only k6's own modules imported.
 */
const K6_DIR = join(REPO_ROOT, 'bench', 'k6');
const K6_MODULES = new Set(['k6', 'k6/ws', 'k6/http', 'k6/metrics', 'k6/experimental/websockets', 'k6/data', 'k6/execution']);

describe('k6 scripts', () => {
  const scripts = readdirSync(K6_DIR).filter((f) => f.endsWith('.js'));

  it('has the stream and REST scripts', () => {
    assert.deepEqual(scripts.sort(), ['rest.js', 'stream.js']);
  });

  for (const file of scripts) {
    it(`${file} parses as an ES module with options and a default function, importing only k6 modules`, async () => {
      const path = join(K6_DIR, file);
      // node --check treats .js by the nearest package.json ("type": "module" here): an ES module.
      await promisify(execFile)(process.execPath, ['--check', path]);
      const text = readFileSync(path, 'utf8');
      const imports = [...text.matchAll(/^import .* from '([^']+)';$/gm)].map((m) => m[1]);
      assert.ok(imports.length > 0);
      for (const m of imports) assert.ok(K6_MODULES.has(m), `${file} imports ${m}`);
      assert.match(text, /^export const options = \{/m);
      assert.match(text, /^export default function \(\) \{/m);
    });
  }

  it('the syntax check can fail (a broken copy is rejected)', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'k6-check-'));
    try {
      const broken = join(dir, 'broken.mjs');
      await writeFile(broken, readFileSync(join(K6_DIR, 'rest.js'), 'utf8').replace('export default function () {', 'export default function ( {'));
      await assert.rejects(promisify(execFile)(process.execPath, ['--check', broken]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

const threadNames = (): string[] =>
  readdirSync('/proc/self/task').map((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
    } catch {
      return ''; // the thread ended between the listing and the read
    }
  });

describe('nameThisThread', { skip: process.platform !== 'linux' && 'names threads through /proc (Linux only)' }, () => {
  it('names the worker thread that calls it, and only that one, cut to 15 bytes', async () => {
    const url = new URL('../../core/thread-name.js', import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(url)}).then(({ nameThisThread }) => {
         const ok = nameThisThread('bourse-test-thread-long');
         require('node:worker_threads').parentPort.postMessage(ok);
         setTimeout(() => {}, 2000);
       });`,
      { eval: true },
    );
    try {
      const ok = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      assert.equal(ok, true);
      const names = threadNames();
      assert.equal(names.filter((n) => n === 'bourse-test-thr').length, 1, `threads: ${names.join(', ')}`);
      assert.notEqual(readFileSync('/proc/thread-self/comm', 'utf8').trim(), 'bourse-test-thr', 'the main thread keeps its name');
    } finally {
      await worker.terminate();
    }
  });
});

/**
 * Entry point of both threads of one transport-bench scenario. Main sends
 * 'go' once both workers are ready, so neither measures the other's start-up.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { consume } from './consumer.js';
import { produce } from './producer.js';
import type { WorkerData } from './protocol.js';

const d = workerData as WorkerData;
const port = parentPort!;

if (d.role === 'consumer') {
  const c = consume(d);
  port.once('message', () => c.start());
  c.done.then((r) => port.postMessage({ role: 'consumer', ...r }));
  port.postMessage('ready');
} else {
  port.once('message', () => {
    produce(d).then((r) => port.postMessage({ role: 'producer', ...r }));
  });
  port.postMessage('ready');
}

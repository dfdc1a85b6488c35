// The Redis speed layer: one port per concern, in-process and Redis adapters
// beside each (docs/redis.md). Not re-exported from core/index.ts, so threads
// that use no Redis do not load ioredis.
export * from './alert-latch.js';
export * from './in-process-alert-latch.js';
export * from './in-process-quote-cache.js';
export * from './in-process-rate-limiter.js';
export * from './quote-cache.js';
export * from './rate-limiter.js';
export * from './redis-alert-latch.js';
export * from './redis-connection.js';
export * from './redis-monitor.js';
export * from './redis-quote-cache.js';
export * from './redis-rate-limiter.js';
export * from './speed-layer.js';
export * from './redis-script.js';

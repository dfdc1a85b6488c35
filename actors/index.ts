export * from './quote-table.js';
export * from './shard.js';
export * from './tick-ring.js';
export * from './ticker-actor.js';

export * from './market-simulator.js';
export * from './random.js';
export * from './sec/index.js';
export * from './simulator-feed-source.js';
export * from './universe-loader.js';
export * from './jetstream/index.js';

export * from './applied-tracker.js';
export * from './jetstream-publisher.js';
export * from './jetstream-quarantine-store.js';
export * from './market-consumer.js';
export * from './market-stream.js';
export * from './nats-connection.js';
export * from './quarantine.js';
export * from './tick-codec.js';

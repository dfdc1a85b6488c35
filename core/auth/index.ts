export * from './access-token.js';
export * from './password.js';
export * from './signing-key.js';
export * from './refresh-token.js';

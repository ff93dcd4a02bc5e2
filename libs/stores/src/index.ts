export * from './secret-box.js';
export * from './secret.js';
export * from './encryption-keys.js';
export * from './document.js';
export * from './credentials.js';

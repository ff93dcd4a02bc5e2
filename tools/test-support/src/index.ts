export * from './infra.js';
export * from './log-capture.js';
export * from './browser.js';
export * from './eventually.js';
export * from './vendor-docs.js';
export * from './with-context.js';
export * from './openapi/index.js';
export * from './trickling-server.js';

export * from './poll-requests.js';
export * from './facts.js';
export * from './poll-changes.js';
export * from './published-positions.js';
export * from './poller.js';
export * from './run-poller.js';
export * from './env.js';

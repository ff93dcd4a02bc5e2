// `@msync/polling/test-support`: the pollers' integration-test bed and its small helpers.
export * from './poller-bed.js';
export * from './metrics.js';
export * from './state.js';
export * from './close-after-each.js';

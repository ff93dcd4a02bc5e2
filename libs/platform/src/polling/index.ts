export * from './call-gate.js';
export * from './shared-budget.js';
export * from './lease.js';
export * from './coalesce.js';
export * from './poll-state.js';
export * from './coordinator.js';
export * from './metrics.js';

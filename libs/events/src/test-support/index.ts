// `@msync/events/test-support`: what other packages' tests share about the event backbone.
export * from './topics.js';
export * from './collect.js';
export { eventsHarness, type EventsHarness } from './harness.js';
export * from './outcomes.js';
export * from './inventory.js';

export * from './read.js';
export * from './filters.js';
export * from './replay.js';
export * from './redrive.js';
export * from './backfill.js';
export * from './progress.js';

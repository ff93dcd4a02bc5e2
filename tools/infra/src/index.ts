export * from './infra.js';
export * from './paths.js';
export { PrerequisiteError } from './exec.js';
export * from './services.js';
export * from './private-infra.js';

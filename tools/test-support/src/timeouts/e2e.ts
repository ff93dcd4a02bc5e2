import { jest } from '@jest/globals';

// How long one e2e test or hook may take before it fails.
jest.setTimeout(300_000);

import { jest } from '@jest/globals';

// How long one contract test or hook may take before it fails.
jest.setTimeout(60_000);

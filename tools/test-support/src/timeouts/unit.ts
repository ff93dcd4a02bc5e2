import { jest } from '@jest/globals';

// How long one unit test or hook may take before it fails.
jest.setTimeout(10_000);

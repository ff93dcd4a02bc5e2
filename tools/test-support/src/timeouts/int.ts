import { jest } from '@jest/globals';

// How long one int test or hook may take before it fails.
jest.setTimeout(180_000);

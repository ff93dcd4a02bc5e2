import express, { type Router } from 'express';
import { parseFaultInput, type FaultBook } from './faults.js';
import type { RequestJournal } from './journal.js';

/** Where every simulator's control API lives (seeding, faults, journal, reset). */
export const SIM_CONTROL_PREFIX = '/_sim';

/** A router with the vendors' path rules: `/a/` is not `/a`, `/A` is not `/a`. */
export function simRouter(): Router {
  return express.Router({ strict: true, caseSensitive: true });
}

export interface CommonControlOptions<Op extends string> {
  faults: FaultBook<Op>;
  journal: RequestJournal<Op>;
  /** The operation names faults may target. */
  operations: readonly Op[];
  /** Forgets all state: seeded data, faults, journal, limits. */
  reset(): void;
}

/**
 * The control routes every simulator has, relative to {@link SIM_CONTROL_PREFIX}:
 * `GET /health`, `POST /reset`, `GET|POST|DELETE /faults`, `GET|DELETE /exchanges`.
 */
export function commonControlRoutes<Op extends string>(options: CommonControlOptions<Op>): Router {
  const router = simRouter();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.post('/reset', (_req, res) => {
    options.reset();
    res.status(204).end();
  });
  router.get('/faults', (_req, res) => {
    res.json(options.faults.list());
  });
  router.post('/faults', (req, res) => {
    res.json(options.faults.add(parseFaultInput(req.body, options.operations)));
  });
  router.delete('/faults', (_req, res) => {
    options.faults.clear();
    res.status(204).end();
  });
  router.get('/exchanges', (_req, res) => {
    res.json(options.journal.entries());
  });
  router.delete('/exchanges', (_req, res) => {
    options.journal.clear();
    res.status(204).end();
  });
  return router;
}

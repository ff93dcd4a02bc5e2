import type { NextFunction, Request, Response, Router } from 'express';
import { createExpressMiddleware } from 'agendash';
import { errorMessage, type Logger } from '@msync/platform';
import type { AgendaSchedule } from './agenda-schedule.js';

/**
 * The scheduler's operator routes on the ops port: `GET /jobs` (JSON: store, stream, interval,
 * next and last run, last error; `?store=` narrows it) and agendash under `/agendash`, read-only:
 * jobs follow each store's configuration, so they are changed there, not by hand.
 */
export function schedulerOpsRoutes(schedule: AgendaSchedule, logger: Logger) {
  return (router: Router): void => {
    router.get('/jobs', async (req: Request, res: Response) => {
      const store = typeof req.query['store'] === 'string' ? req.query['store'] : undefined;
      try {
        res.json({ jobs: await schedule.listJobs(store) });
      } catch (error) {
        logger.warn('job listing failed', { error: errorMessage(error) });
        res.status(503).json({ error: `job store unavailable: ${errorMessage(error)}` });
      }
    });
    router.use('/agendash', readOnly, createExpressMiddleware(schedule.agenda));
  };
}

function readOnly(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  res.status(405).json({
    error:
      'agendash is read-only here: poll jobs follow the store configuration; change the store in config-api',
  });
}

import type { Request, Response, Router } from 'express';
import { errorMessage, type Logger } from '@msync/platform';
import { DeskError, type ReportDesk } from '../desk.js';

const PROBLEM = 'application/problem+json';
const MAX_HISTORY = 400;

/**
 * The reporter's report routes on its ops port (ADR 0072), called by config-api, which checks
 * the tenant first: `GET /reports/:storeId/preview`, `POST /reports/:storeId/test`,
 * `GET /reports/:storeId/history?limit=`. Errors are problem+json.
 */
export function reportOpsRoutes(desk: ReportDesk, logger: Logger) {
  const problem = (res: Response, status: number, title: string, detail: string) =>
    res
      .status(status)
      .type(PROBLEM)
      .send(JSON.stringify({ type: 'about:blank', title, status, detail }));

  const answer =
    (handle: (req: Request) => Promise<unknown>, status = 200) =>
    async (req: Request, res: Response) => {
      try {
        res.status(status).json(await handle(req));
      } catch (error) {
        if (error instanceof DeskError) {
          if (error.retryAfterSeconds !== undefined)
            res.set('Retry-After', String(error.retryAfterSeconds));
          problem(res, error.status, error.title, error.message);
          return;
        }
        logger.warn('report request failed', { path: req.path, error: errorMessage(error) });
        problem(
          res,
          503,
          'Reports unavailable',
          `the reporter could not answer: ${errorMessage(error)}`,
        );
      }
    };

  return (router: Router): void => {
    router.get(
      '/reports/:storeId/preview',
      answer((req) => desk.preview(String(req.params['storeId']))),
    );
    router.post(
      '/reports/:storeId/test',
      answer((req) => desk.sendTest(String(req.params['storeId']))),
    );
    router.get('/reports/:storeId/history', async (req, res) => {
      const raw = req.query['limit'] ?? '30';
      const limit = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!(limit >= 1 && limit <= MAX_HISTORY)) {
        problem(res, 400, 'Invalid limit', `limit must be an integer from 1 to ${MAX_HISTORY}`);
        return;
      }
      await answer(async (r) => ({
        reports: await desk.history(String(r.params['storeId']), limit),
      }))(req, res);
    });
  };
}

import type { Request, Response, Router } from 'express';
import { errorMessage, type Logger } from '@msync/platform';
import {
  MAX_CATALOG_PAGE,
  catalogPage,
  offersCycleSummary,
  type CatalogQuery,
} from '../domain/catalog.js';
import { productEffectKey } from '../domain/offers.js';
import type { CatalogView } from './catalog-view.js';
import type { EffectsLedger } from './effects-ledger.js';
import type { InventoryState } from './inventory-state.js';
import type { StoreConfigs } from './store-configs.js';

const PROBLEM = 'application/problem+json';
const MAX_QUERY = 100;
const MAX_AFTER = 512;
const DEFAULT_LIMIT = 50;

class BadQuery extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The page query, or the parameter that is wrong. */
function catalogQuery(query: Request['query']): CatalogQuery {
  const text = (name: string, max: number): string | null => {
    const value = query[name];
    if (value === undefined) return null;
    if (typeof value !== 'string' || value.length > max)
      throw new BadQuery(name, `${name} must be given once, at most ${max} characters`);
    return value;
  };
  const rawLimit = text('limit', 10);
  const limit = rawLimit === null ? DEFAULT_LIMIT : /^\d+$/.test(rawLimit) ? Number(rawLimit) : NaN;
  if (!(limit >= 1 && limit <= MAX_CATALOG_PAGE))
    throw new BadQuery('limit', `limit must be an integer from 1 to ${MAX_CATALOG_PAGE}`);
  const after = text('after', MAX_AFTER);
  return { q: text('q', MAX_QUERY) ?? '', limit, after: after || null };
}

/**
 * The seller's catalog view on the applier's ops port (ADR 0089), asked by config-api after its
 * tenant check: `GET /catalog/:storeId/cycles` (each flow's last cycle) and
 * `GET /catalog/:storeId/skus?q=&limit=&after=` (the SKU table, by SKU). Every read is by `_id`.
 */
export function catalogOpsRoutes(deps: {
  state: InventoryState;
  catalog: CatalogView;
  configs: Pick<StoreConfigs, 'get'>;
  ledger: Pick<EffectsLedger, 'read'>;
  logger: Logger;
}) {
  const { state, catalog, configs, ledger, logger } = deps;
  const problem = (res: Response, status: number, title: string, detail: string, field?: string) =>
    res
      .status(status)
      .type(PROBLEM)
      .send(
        JSON.stringify({
          type: 'about:blank',
          title,
          status,
          detail,
          ...(field ? { errors: [{ field, rule: 'invalid', message: detail }] } : {}),
        }),
      );
  const failed = (res: Response, req: Request, error: unknown) => {
    logger.warn('catalog request failed', { path: req.path, error: errorMessage(error) });
    problem(
      res,
      503,
      'Catalog unavailable',
      `the applier could not answer: ${errorMessage(error)}`,
    );
  };

  return (router: Router): void => {
    router.get('/catalog/:storeId/cycles', async (req, res) => {
      try {
        const cycles = await catalog.cycles(String(req.params['storeId']));
        res.json({
          offers: cycles.offers ? offersCycleSummary(cycles.offers) : null,
          inventory: cycles.inventory,
        });
      } catch (error) {
        failed(res, req, error);
      }
    });

    router.get('/catalog/:storeId/skus', async (req, res) => {
      let query: CatalogQuery;
      try {
        query = catalogQuery(req.query);
      } catch (error) {
        if (!(error instanceof BadQuery)) throw error;
        problem(res, 400, 'Invalid query', error.message, error.field);
        return;
      }
      const storeId = String(req.params['storeId']);
      try {
        const [{ offers, levels, pushedLines }, products] = await Promise.all([
          state.snapshot(storeId),
          catalog.products(storeId),
        ]);
        const page = catalogPage(
          {
            offers,
            levels,
            pushed: pushedLines(),
            products,
            buffer: configs.get(storeId)?.inventoryBuffer ?? null,
          },
          query,
        );
        // Products created before this view existed are known from the ledger only.
        await Promise.all(
          page.items
            .filter((row) => row.shipbobProductId === null && row.offer)
            .map(async (row) => {
              const effect = await ledger.read(storeId, productEffectKey(row.sku));
              if (effect?.status === 'done')
                row.shipbobProductId = effect.externalIds['shipbobProductId'] ?? null;
            }),
        );
        res.json(page);
      } catch (error) {
        failed(res, req, error);
      }
    });
  };
}

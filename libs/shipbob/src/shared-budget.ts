import {
  createMongoSharedBudget,
  type BudgetShape,
  type MongoSharedBudgetOptions,
  type SharedBudget,
} from '@msync/platform';

/** Where every process records the slices it claims of ShipBob tokens' budgets. */
export const SHIPBOB_BUDGET_COLLECTION = 'shipbob_budget';

/**
 * ShipBob's 150 requests per minute per token (sliding window), claimed in slices whose calls
 * start within 5 s; 5 s more cover a request's way to ShipBob and clock differences. A slice
 * therefore counts for 70 s: one busy process gets about 128 calls a minute, bursts up to 150.
 */
export const SHIPBOB_BUDGET: BudgetShape = {
  limit: 150,
  windowMs: 60_000,
  sliceTtlMs: 5_000,
  slackMs: 5_000,
};

/** The ShipBob budget every process of the product shares, on MongoDB or FerretDB (ADR 0057). */
export function createShipBobSharedBudget(
  db: MongoSharedBudgetOptions['db'],
  options: { shape?: BudgetShape; holder?: string } = {},
): SharedBudget {
  return createMongoSharedBudget({
    db,
    collection: SHIPBOB_BUDGET_COLLECTION,
    shape: options.shape ?? SHIPBOB_BUDGET,
    ...(options.holder ? { holder: options.holder } : {}),
  });
}

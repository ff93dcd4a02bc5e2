/** Operations of the seller API, as Mirakl names them; faults, limits and the journal use these. */
export const OPERATIONS = [
  'V01',
  'A01',
  'OF21',
  'OF22',
  'OF01',
  'OF02',
  'OF03',
  'OF52',
  'OF53',
  'OF54',
  'STO01',
  'STO02',
  'STO03',
  'OR11',
  'OR21',
  'OR23',
  'OR24',
  'OR29',
  'OR64',
  'SH21',
] as const;
export type Operation = (typeof OPERATIONS)[number];

/** Minimum time in ms between two calls of an operation by one shop. */
export type CallFrequency = Partial<Record<Operation, number>>;

/** Mirakl's documented maximum call frequencies for the operations the product polls or follows. */
export const DOCUMENTED_CALL_FREQUENCY: CallFrequency = {
  OR11: 60_000,
  STO01: 60_000,
  OF01: 60_000,
  OF52: 60_000,
  STO02: 15_000,
  STO03: 60_000,
  OF02: 60_000,
  OF03: 60_000,
  OF53: 10_000,
};

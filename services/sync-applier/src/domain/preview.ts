import type { EventOf } from '@msync/events';
import { acceptBase, decideAccept } from './accept.js';
import { createBase, decideCreate } from './create.js';
import type { Decision, LedgerEntry, OutcomeBase } from './decision.js';
import { decideReturn, returnBase } from './returns.js';
import type { StoreConfig } from './store-config.js';
import { decideTracking, trackingBase } from './tracking.js';

/** A fact the applier acts on, with the topic it came from. */
export type FactOf =
  | { topicKey: 'orderAwaitingAcceptance'; value: EventOf<'orderAwaitingAcceptance'> }
  | { topicKey: 'orderReadyToShip'; value: EventOf<'orderReadyToShip'> }
  | { topicKey: 'shipmentLabeled'; value: EventOf<'shipmentLabeled'> }
  | { topicKey: 'incidentOpened'; value: EventOf<'incidentOpened'> };

/** What the ledger holds for an effect, with its times (for a reader, not for decisions). */
export interface LedgerRecord {
  entry: LedgerEntry;
  claimedAt: Date | null;
  doneAt: Date | null;
}

/** What the applier would do about a fact now, without calling anyone or writing anything. */
export interface Preview {
  verdict:
    'would-apply' | 'would-resume' | 'already-applied' | 'skipped' | 'would-fail' | 'would-wait';
  effectKey: string;
  /** One line an operator reads: `would apply: OR21 accept 12 lines of ORDER-1-A`. */
  text: string;
}

/**
 * The applier's decision for a fact given the store's configuration and the ledger, as a
 * preview: the same pure `decide` functions, asked once with no vendor answer. Where the shell
 * would ask a vendor before acting (a SKU lookup, a resume check) the preview says so.
 */
export function previewFact(
  fact: FactOf,
  config: StoreConfig | undefined,
  record: LedgerRecord | null,
): Preview {
  const effect = record?.entry ?? null;
  const { decision, base, what } = decideOnce(fact, config, effect);
  const at = (date: Date | null) => (date ? ` ${minute(date)}` : '');
  const preview = (verdict: Preview['verdict'], text: string): Preview => ({
    verdict,
    effectKey: base.effectKey,
    text,
  });
  switch (decision.type) {
    case 'apply':
      return decision.resumed
        ? preview('would-resume', `would resume: ${what} (claimed${at(record?.claimedAt ?? null)})`)
        : preview('would-apply', `would apply: ${what}`);
    case 'ask':
      return effect?.status === 'claimed'
        ? preview(
            'would-resume',
            `would resume: ${what} (claimed${at(record?.claimedAt ?? null)}; asks ${base.target === 'MIRAKL' ? 'Mirakl' : 'ShipBob'} first)`,
          )
        : preview('would-apply', `would apply: ${what} (after ${queryName(decision.query)})`);
    case 'complete':
      return preview('would-resume', `would complete: ${what}`);
    case 'record': {
      const { outcome } = decision;
      if (outcome.outcome === 'SKIPPED') {
        // The gate comes before the ledger; an operator still wants to know it was done once.
        const once =
          effect?.status === 'done' ? ` (already applied${at(record?.doneAt ?? null)})` : '';
        return preview('skipped', `skipped: ${outcome.reason ?? 'gate closed'}${once}`);
      }
      if (effect?.status === 'done')
        return preview(
          'already-applied',
          `already applied${at(record?.doneAt ?? null)}${effect.outcomeRecorded ? '' : ' (outcome not published yet)'}`,
        );
      return preview('skipped', `${outcome.outcome.toLowerCase()}: ${outcome.reason ?? ''}`);
    }
    case 'retry':
      return preview('would-wait', `would wait: ${decision.reason} (${decision.message})`);
    case 'reject':
      return preview(
        'would-fail',
        `would fail: ${decision.reason} (${decision.outcome.detail ?? ''})`,
      );
    default: {
      const never: never = decision;
      throw new Error(`unhandled decision ${JSON.stringify(never)}`);
    }
  }
}

/** The ledger key of the effect a fact asks for (what the preview reads the ledger under). */
export function effectKeyOf(fact: FactOf): string {
  switch (fact.topicKey) {
    case 'orderAwaitingAcceptance':
      return acceptBase(fact.value.orderId).effectKey;
    case 'orderReadyToShip':
      return createBase(fact.value.orderId).effectKey;
    case 'shipmentLabeled':
      return trackingBase(fact.value.referenceId).effectKey;
    case 'incidentOpened':
      return returnBase(fact.value.orderId, fact.value.orderLineId).effectKey;
    default: {
      const never: never = fact;
      throw new Error(`unexpected fact ${JSON.stringify(never)}`);
    }
  }
}

function decideOnce(
  fact: FactOf,
  config: StoreConfig | undefined,
  effect: LedgerEntry | null,
): { decision: Decision<unknown, unknown>; base: OutcomeBase; what: string } {
  switch (fact.topicKey) {
    case 'orderAwaitingAcceptance': {
      const v = fact.value;
      return {
        decision: decideAccept(v, config, { effect }),
        base: acceptBase(v.orderId),
        what: `OR21 accept ${v.lines.length} ${plural(v.lines.length, 'line')} of ${v.orderId}`,
      };
    }
    case 'orderReadyToShip': {
      const v = fact.value;
      return {
        decision: decideCreate(v, config, { effect }),
        base: createBase(v.orderId),
        what: `ShipBob order for ${v.orderId}, ${v.lines.length} ${plural(v.lines.length, 'line')}`,
      };
    }
    case 'shipmentLabeled': {
      const v = fact.value;
      return {
        decision: decideTracking(v, config, { effect }),
        base: trackingBase(v.referenceId),
        what: `OR23 tracking ${v.trackingNumber} + OR24 ship ${v.referenceId}`,
      };
    }
    case 'incidentOpened': {
      const v = fact.value;
      return {
        decision: decideReturn(v, config, { effect }),
        base: returnBase(v.orderId, v.orderLineId),
        what: `ShipBob return for ${v.orderId} line ${v.orderLineId}, quantity ${v.quantity}`,
      };
    }
    default: {
      const never: never = fact;
      throw new Error(`unexpected fact ${JSON.stringify(never)}`);
    }
  }
}

function queryName(query: unknown): string {
  const kind = (query as { kind?: string }).kind ?? 'a lookup';
  return kind.replaceAll('-', ' ');
}

const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);

/** `2026-11-28T10:02Z`: to the minute, as operators read it. */
const minute = (date: Date) => `${date.toISOString().slice(0, 16)}Z`;

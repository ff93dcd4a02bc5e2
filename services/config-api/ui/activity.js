/* global URLSearchParams */
import { api } from './api.js';
import { dateOf, h } from './dom.js';

/** Flows and outcomes offered as filters; others recorded later still show as they are. */
const FLOWS = ['offers', 'inventory', 'orders', 'tracking', 'cancellations', 'returns', 'report'];
const OUTCOMES = ['APPLIED', 'DUPLICATE', 'SKIPPED', 'FAILED'];

const STEP_LABELS = {
  seen: 'Received, awaiting acceptance',
  accepted: 'Accepted on Mirakl',
  readyToShip: 'Ready to ship',
  createdInShipBob: 'Created in ShipBob',
  labeled: 'Label printed',
  trackingSent: 'Tracking sent to Mirakl',
  shipped: 'Shipped on Mirakl',
  canceled: 'Canceled',
  canceledInShipBob: 'Canceled in ShipBob',
};

/** Steps shown only once they happened; the others show what is still to come. */
const ONLY_WHEN_REACHED = new Set(['canceled', 'canceledInShipBob']);

/** The applier's reasons, in the seller's words. */
const REASONS = {
  'unknown-sku': 'A product of this order does not exist in ShipBob (unknown SKU).',
  'flow-disabled': 'This sync is switched off for the store.',
  'store-not-connected': 'The store was disconnected.',
  'shipbob-not-configured': 'No ShipBob token is configured for the store.',
  'bad-payload': 'The order data was incomplete.',
  'order-not-found': 'Mirakl does not know this order.',
  'order-closed': 'The order is already closed on Mirakl.',
  'state-mismatch': 'The order was in a state that does not allow this step.',
  'already-applied': 'This was already done; nothing was sent again.',
  'already-in-target-state': 'Mirakl already showed this step as done.',
  'config-not-loaded': 'The store settings were not loaded yet; it is tried again.',
  // The daily returns report (reporter).
  refused: 'The mail server refused the report e-mail address.',
  uncertain: 'Sending the report was interrupted; it may not have arrived and is not sent again.',
  'no-completed-returns': 'No return was completed since the previous report: no e-mail.',
  'no-address': 'The store has no report e-mail address.',
  disconnected: 'The store was disconnected.',
  'too-late': 'The report came too late to be sent; its returns go into the next report.',
  'already-canceled': 'It was already canceled; nothing was sent.',
  'already-shipped':
    'The order already shipped on Mirakl and can no longer be canceled; refund it in Mirakl if it will not reach the customer.',
  'cancel-not-allowed':
    'Mirakl does not let the shop cancel this order (e.g. the customer was already debited); ask the operator, or ship it.',
  'already-labeled': 'Already labeled: intercept the shipment in ShipBob.',
  'cancel-refused': 'ShipBob refused the cancellation (picked or packed): intercept it in ShipBob.',
  'no-shipbob-order': 'No ShipBob order was created for it, and none will be.',
  'order-canceled':
    'The order was canceled on the marketplace first; no ShipBob order was created.',
  'marketplace-cancel-off':
    'Canceling ShipBob orders on marketplace cancellations is switched off for this store.',
  'shipbob-order-not-found': 'ShipBob does not find the order created for it.',
};

/** Reasons whose recorded detail says more than the sentence above (it names lines). */
const DETAILED = new Set(['partial-cancel']);

/** An outcome's reason in the seller's words, else the applier's own sentence. */
const reasonText = ({ reason, detail }) =>
  (DETAILED.has(reason) ? null : REASONS[reason]) ?? detail ?? reason ?? null;

const outcomeBadge = (outcome) =>
  h('span', { class: `badge outcome ${outcome.toLowerCase()}`, 'data-outcome': outcome }, outcome);

/** What an entry did: its timeline steps, else the action or effect key as recorded. */
const whatOf = (entry) =>
  entry.steps.length > 0
    ? entry.steps.map((s) => STEP_LABELS[s] ?? s).join(' + ')
    : (entry.action ?? entry.effectKey);

/** A failure in plain words: which step, and why. */
export function failureSentence(failure) {
  const what =
    failure.steps.length > 0
      ? failure.steps.map((s) => STEP_LABELS[s] ?? s).join(' + ')
      : `The ${failure.flow} step`;
  const why = reasonText(failure) ?? 'no reason was given';
  return `${what} failed: ${why}`;
}

/** The Activity tab: the list with its filters, and an order's timeline when one is chosen. */
export async function activityTab(store, orderId) {
  const base = `#/stores/${encodeURIComponent(store.id)}/activity`;
  const list = await activityList(store, base, orderId ? { orderId } : {});
  if (!orderId) return h('div', { class: 'activity' }, list);
  const timeline = await orderTimeline(store, orderId);
  return h(
    'div',
    { class: 'activity' },
    h('a', { href: base, class: 'back', id: 'all-activity' }, '← All activity'),
    timeline,
    h('h3', {}, 'Everything the sync did for this order'),
    list,
  );
}

async function activityList(store, base, fixed) {
  const flow = h(
    'select',
    { id: 'f-flow', 'aria-label': 'Flow' },
    h('option', { value: '' }, 'All flows'),
    FLOWS.map((f) => h('option', { value: f }, f)),
  );
  const outcome = h(
    'select',
    { id: 'f-outcome', 'aria-label': 'Outcome' },
    h('option', { value: '' }, 'All outcomes'),
    OUTCOMES.map((o) => h('option', { value: o }, o)),
  );
  const order = h('input', {
    id: 'f-orderId',
    type: 'text',
    placeholder: 'Mirakl order id',
    'aria-label': 'Order id',
    value: fixed.orderId ?? '',
  });
  const rows = h('tbody', {});
  const more = h('button', { type: 'button', id: 'load-more', hidden: true }, 'Load more');
  const error = h('p', { class: 'form-error', role: 'alert' });
  const empty = h('p', { class: 'empty', hidden: true }, 'Nothing recorded yet.');
  let cursor = null;

  const load = async (append) => {
    const query = new URLSearchParams();
    if (flow.value) query.set('flow', flow.value);
    if (outcome.value) query.set('outcome', outcome.value);
    const orderId = fixed.orderId ?? order.value.trim();
    if (orderId) query.set('orderId', orderId);
    query.set('limit', '25');
    if (append && cursor) query.set('cursor', cursor);
    error.textContent = '';
    try {
      const { body } = await api('GET', `/v1/stores/${store.id}/activity?${query}`);
      const lines = body.items.map((entry) => entryRow(entry, base));
      if (append) rows.append(...lines);
      else rows.replaceChildren(...lines);
      cursor = body.nextCursor;
      more.hidden = cursor === null;
      empty.hidden = rows.children.length > 0;
    } catch (e) {
      error.textContent = e.errors?.length ? e.errors.map((x) => x.message).join(' ') : e.message;
    }
  };
  more.addEventListener('click', () => void load(true));
  const filters = h(
    'form',
    {
      class: 'filters',
      onsubmit: (event) => {
        event.preventDefault();
        void load(false);
      },
    },
    flow,
    outcome,
    fixed.orderId ? null : order,
    h('button', { type: 'submit', id: 'filter' }, 'Filter'),
  );
  await load(false);
  return h(
    'div',
    {},
    filters,
    error,
    h(
      'table',
      { class: 'list activity-list' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', 'Flow', 'What', 'Outcome', 'Order', 'Detail'].map((t) => h('th', {}, t)),
        ),
      ),
      rows,
    ),
    empty,
    more,
  );
}

function entryRow(entry, base) {
  return h(
    'tr',
    { 'data-entry-id': entry.id },
    h('td', { class: 'when' }, dateOf(entry.at)),
    h('td', {}, entry.flow),
    h('td', {}, whatOf(entry)),
    h('td', {}, outcomeBadge(entry.outcome)),
    h(
      'td',
      {},
      entry.orderId
        ? h(
            'a',
            { href: `${base}/${encodeURIComponent(entry.orderId)}`, class: 'order-link' },
            entry.orderId,
          )
        : entry.subjectId,
    ),
    h('td', { class: 'detail' }, reasonText(entry) ?? ''),
  );
}

async function orderTimeline(store, orderId) {
  const { body: t } = await api(
    'GET',
    `/v1/stores/${store.id}/orders/${encodeURIComponent(orderId)}/timeline`,
  );
  const reached = t.steps.filter((s) => s.at !== null);
  const steps = t.steps
    .filter((s) => !ONLY_WHEN_REACHED.has(s.step) || s.at !== null)
    .map((s) =>
      h(
        'li',
        { class: s.at ? 'done' : 'pending', 'data-step': s.step },
        h('span', { class: 'dot', 'aria-hidden': 'true' }),
        h('span', { class: 'label' }, STEP_LABELS[s.step] ?? s.step),
        h('span', { class: 'time' }, s.at ? dateOf(s.at) : '—'),
      ),
    );
  const facts = [
    ['Commercial id', t.commercialId],
    ['ShipBob order', t.shipbobOrderId],
    [
      'Carrier and tracking',
      t.shipment
        ? h(
            'span',
            { id: 'tracking' },
            `${t.shipment.carrier} `,
            t.shipment.trackingUrl
              ? h(
                  'a',
                  { href: t.shipment.trackingUrl, rel: 'noreferrer', target: '_blank' },
                  t.shipment.trackingNumber,
                )
              : t.shipment.trackingNumber,
          )
        : null,
    ],
    [
      'Canceled',
      t.cancellation
        ? `${t.cancellation.state}${t.cancellation.reason ? ` — ${t.cancellation.reason}` : ''}`
        : null,
    ],
    [
      'Accept before',
      t.awaitingAcceptance && t.acceptanceDeadline ? dateOf(t.acceptanceDeadline) : null,
    ],
  ].filter(([, v]) => v !== null);
  const failure = t.lastFailure;
  return h(
    'section',
    { class: 'timeline', id: 'timeline', 'data-order-id': t.orderId },
    h('h2', {}, `Order ${t.orderId}`),
    h(
      'p',
      { class: 'muted' },
      reached.length === 0
        ? 'Nothing happened yet.'
        : `Last news ${dateOf(t.updatedAt)}${t.awaitingAcceptance ? ' · waiting for acceptance' : ''}`,
    ),
    failure
      ? h(
          'div',
          {
            class: `failure ${failure.resolved ? 'resolved' : ''}`,
            id: 'last-failure',
            role: failure.resolved ? 'note' : 'alert',
          },
          h(
            'strong',
            {},
            failure.resolved ? 'A problem that was solved since: ' : 'Needs attention: ',
          ),
          failureSentence(failure),
          h(
            'span',
            { class: 'muted' },
            ` (${dateOf(failure.at)}${failure.detail && REASONS[failure.reason] ? ` · ${failure.detail}` : ''})`,
          ),
        )
      : null,
    h('ol', { class: 'steps' }, steps),
    facts.length > 0
      ? h(
          'dl',
          { class: 'facts' },
          facts.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
        )
      : null,
  );
}

/* global URLSearchParams, setTimeout, clearTimeout */
import { api } from './api.js';
import { dateOf, h } from './dom.js';

const PAGE_SIZE = 50;

const outcomeBadge = (outcome) =>
  h('span', { class: `badge outcome ${outcome.toLowerCase()}`, 'data-outcome': outcome }, outcome);

const number = (value) => (value === null || value === undefined ? '—' : String(value));

/**
 * The Catalog tab: each catalog flow's last cycle (when, SKUs changed, errors) and the store's
 * SKUs with their ShipBob product, levels, buffer, computed and pushed quantity and last push
 * result, searchable by SKU. Served through config-api by the sync-applier (ADR 0089).
 */
export async function catalogTab(store) {
  const base = `/v1/stores/${encodeURIComponent(store.id)}/catalog`;
  const panel = h('div', { class: 'catalog' });
  const cycles = await api('GET', base).then(
    (r) => r.body,
    (error) => error,
  );
  panel.append(h('h2', {}, 'Last cycles'));
  if (cycles instanceof Error) {
    panel.append(h('p', { class: 'form-error', id: 'catalog-error' }, cycles.message));
    return panel;
  }
  panel.append(cycleFacts(cycles));

  const search = h('input', {
    id: 'catalog-q',
    type: 'search',
    placeholder: 'Search SKU',
    'aria-label': 'Search SKU',
    maxlength: 100,
  });
  const table = h('div', { id: 'catalog-skus' });
  const more = h('div', { class: 'row gap' });
  let after = null;
  const load = async (reset) => {
    if (reset) {
      after = null;
      table.replaceChildren();
    }
    const query = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (search.value.trim()) query.set('q', search.value.trim());
    if (after) query.set('after', after);
    more.replaceChildren();
    try {
      const { body } = await api('GET', `${base}/skus?${query}`);
      if (reset)
        table.append(
          h(
            'p',
            { class: 'muted', id: 'catalog-total' },
            `${body.total} SKU${body.total === 1 ? '' : 's'}`,
          ),
        );
      if (body.items.length === 0 && reset) {
        table.append(h('p', { class: 'muted', id: 'catalog-empty' }, 'No SKU matches.'));
      } else {
        let tbody = table.querySelector('tbody');
        if (!tbody) {
          tbody = h('tbody');
          table.append(h('table', { class: 'catalog-skus' }, skuHead(), tbody));
        }
        tbody.append(...body.items.map(skuRow));
      }
      after = body.nextAfter;
      if (after)
        more.append(
          h(
            'button',
            { type: 'button', id: 'catalog-more', onclick: () => load(false) },
            'More SKUs',
          ),
        );
    } catch (error) {
      table.append(h('p', { class: 'form-error' }, error.message));
    }
  };
  let timer;
  search.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => load(true), 250);
  });
  panel.append(h('h2', {}, 'SKUs'), h('div', { class: 'filters row gap' }, search), table, more);
  await load(true);
  return panel;
}

function cycleFacts(cycles) {
  const { offers, inventory } = cycles;
  return h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Offers → ShipBob products'),
    h(
      'dd',
      { id: 'cycle-offers' },
      offers
        ? `${dateOf(offers.at)} · ${offers.skus} SKUs changed (${offers.created} created, ${offers.existing} existing, ${offers.skipped} skipped) · ${offers.errors} errors`
        : 'No cycle yet.',
    ),
    h('dt', {}, 'Inventory → Mirakl quantities'),
    h(
      'dd',
      { id: 'cycle-inventory', title: inventory?.detail || '' },
      inventory
        ? `${dateOf(inventory.at)} · ${inventory.result} · ${inventory.skus} SKUs sent · ${inventory.errors} errors`
        : 'No cycle yet.',
    ),
  );
}

function skuHead() {
  return h(
    'thead',
    {},
    h(
      'tr',
      {},
      [
        'SKU',
        'ShipBob product',
        'Fulfillable',
        'Exception',
        'Buffer',
        'Quantity',
        'Pushed',
        'Last push',
      ].map((label) => h('th', {}, label)),
    ),
  );
}

function skuRow(row) {
  const flags = [
    row.offer ? null : 'not an offer any more',
    row.active === false ? 'inactive' : null,
    row.digital ? 'digital' : null,
  ].filter(Boolean);
  const pushed = row.pushed;
  return h(
    'tr',
    { 'data-sku': row.sku },
    h(
      'td',
      {},
      row.sku,
      flags.length > 0 ? h('span', { class: 'muted' }, ` (${flags.join(', ')})`) : null,
    ),
    h(
      'td',
      { title: row.offerResult?.detail || '' },
      row.shipbobProductId ??
        (row.offerResult ? `none (${row.offerResult.reason || row.offerResult.outcome})` : '—'),
    ),
    h('td', {}, number(row.fulfillable)),
    h('td', {}, number(row.exception)),
    h('td', {}, number(row.buffer)),
    h('td', {}, number(row.quantity)),
    h('td', {}, pushed ? String(pushed.quantity) : '—'),
    h(
      'td',
      { title: pushed?.detail || '' },
      pushed?.result ? outcomeBadge(pushed.result) : '—',
      pushed?.reason ? ` ${pushed.reason}` : '',
      pushed?.at ? h('span', { class: 'muted' }, ` ${dateOf(pushed.at)}`) : '',
    ),
  );
}

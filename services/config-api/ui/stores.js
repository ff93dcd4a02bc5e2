/* global location */
import { api, ApiError } from './api.js';
import { field, h, showErrors, statusBadge, toast } from './dom.js';
import { activityTab } from './activity.js';
import { reportsTab } from './reports.js';
import { catalogTab } from './catalog.js';
import { shipOptionsEditor, shipOptionsSummary } from './ship-options.js';
import { returnReasonsEditor, returnReasonsSummary } from './return-reasons.js';

const TOGGLES = [
  ['offers', 'Sync Offers', 'Create a ShipBob product for each Mirakl offer'],
  ['inventory', 'Sync Inventory', 'Push ShipBob stock to Mirakl, minus the buffer'],
  ['orders', 'Order Sync', 'Accept Mirakl orders and create ShipBob orders'],
  ['tracking', 'Sync Tracking', 'Send ShipBob tracking to Mirakl'],
  ['cancellations', 'Sync Cancelations', 'Cancel in Mirakl the orders canceled in ShipBob'],
  ['returns', 'Sync Returns', 'Create ShipBob returns from Mirakl incidents (needs approval)'],
];

export async function renderStoreList(view, me) {
  const admin = me.role === 'admin';
  const [{ body }, tenants] = await Promise.all([
    api('GET', '/v1/stores'),
    admin ? api('GET', '/v1/tenants').then((r) => r.body.items) : Promise.resolve([]),
  ]);
  const tenantName = new Map(tenants.map((t) => [t.id, t.name]));
  const rows = body.items.map((s) =>
    h(
      'tr',
      { 'data-store-id': s.id },
      h(
        'td',
        {},
        h('a', { href: `#/stores/${s.id}` }, s.miraklShopName || `Shop ${s.miraklShopId}`),
      ),
      admin ? h('td', {}, tenantName.get(s.tenantId) ?? s.tenantId) : null,
      h('td', {}, s.miraklUrl),
      h('td', {}, statusBadge(s.status)),
    ),
  );
  const empty = admin
    ? h(
        'p',
        { class: 'empty' },
        'No store yet. Stores are connected by a tenant: under ',
        h('a', { href: '#/tenants' }, 'Tenants'),
        ', create one, issue it a token and sign in with that token.',
      )
    : h('p', { class: 'empty' }, 'No store yet. Integrate your first Mirakl store.');
  view.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'row' },
        h('h1', {}, 'Stores'),
        admin
          ? null
          : h(
              'a',
              { class: 'button primary', href: '#/stores/new', id: 'integrate' },
              'Integrate New Store',
            ),
      ),
      rows.length === 0
        ? empty
        : h(
            'table',
            { class: 'list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Store'),
                admin ? h('th', {}, 'Tenant') : null,
                h('th', {}, 'Mirakl URL'),
                h('th', {}, 'Status'),
              ),
            ),
            h('tbody', {}, rows),
          ),
    ),
  );
}

export function renderConnect(view) {
  const url = h('input', {
    id: 'f-miraklUrl',
    name: 'miraklUrl',
    type: 'url',
    required: true,
    placeholder: 'https://yourmarketplace.mirakl.net/mmp/shop/order/list',
  });
  const key = h('input', {
    id: 'f-miraklApiKey',
    name: 'miraklApiKey',
    type: 'password',
    required: true,
    autocomplete: 'off',
  });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Connect');
  const form = h(
    'form',
    {
      class: 'card narrow',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        try {
          const { body } = await api('POST', '/v1/stores', {
            body: { miraklUrl: url.value.trim(), miraklApiKey: key.value.trim() },
          });
          toast(
            `Connected ${body.miraklShopName || body.miraklShopId}. A first offers sync is on its way.`,
          );
          location.hash = `#/stores/${body.id}`;
        } catch (error) {
          showErrors(form, error);
          if (error instanceof ApiError && error.problem.existingStoreId) {
            form
              .querySelector('.form-error')
              .append(
                ' ',
                h(
                  'a',
                  { href: `#/stores/${error.problem.existingStoreId}` },
                  'Open the existing store',
                ),
              );
          }
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h1', {}, 'Integrate New Store'),
    field(
      'miraklUrl',
      'Mirakl URL',
      url,
      'The address of your Mirakl back office: any page will do, e.g. the one open in your browser.',
    ),
    field('miraklApiKey', 'Mirakl API key', key, 'Your shop API key (My user settings → API key).'),
    h('p', { class: 'form-error', role: 'alert' }),
    h('div', { class: 'actions' }, h('a', { href: '#/stores', class: 'button' }, 'Cancel'), submit),
  );
  view.replaceChildren(form);
}

/**
 * A store's page; `tab` is overview, configuration, activity (with an order, its timeline),
 * catalog or reports.
 */
export async function renderStore(view, me, id, tab, orderId) {
  const { body: store, etag } = await api('GET', `/v1/stores/${encodeURIComponent(id)}`);
  const toggleConnection = async () => {
    const action = store.status === 'CONNECTED' ? 'disconnect' : 'connect';
    try {
      await api('POST', `/v1/stores/${store.id}/${action}`, { ifMatch: etag });
      toast(
        action === 'connect' ? 'Connected: syncing resumes.' : 'Disconnected: all syncing stopped.',
      );
    } catch (error) {
      toast(error.message);
    }
    await renderStore(view, me, id, tab);
  };
  const header = h(
    'div',
    { class: 'row' },
    h(
      'div',
      {},
      h('h1', {}, store.miraklShopName || `Shop ${store.miraklShopId}`),
      h('p', { class: 'muted' }, store.miraklUrl),
    ),
    h(
      'div',
      { class: 'row gap' },
      statusBadge(store.status),
      me.role === 'admin'
        ? h(
            'button',
            {
              type: 'button',
              id: 'returns-approval',
              onclick: async () => {
                try {
                  await api('PUT', `/v1/stores/${store.id}/returns-approval`, {
                    body: { approved: !store.returnsApproved },
                    ifMatch: etag,
                  });
                  toast(store.returnsApproved ? 'Returns approval revoked.' : 'Returns approved.');
                } catch (error) {
                  toast(error.message);
                }
                await renderStore(view, me, id, tab);
              },
            },
            store.returnsApproved ? 'Revoke returns approval' : 'Approve returns',
          )
        : null,
      store.status === 'CONNECTED' && store.toggles.inventory
        ? h(
            'button',
            {
              type: 'button',
              id: 'reconcile',
              title: "Compare Mirakl's offer quantities with the computed stock now",
              onclick: async (event) => {
                const button = event.currentTarget;
                button.disabled = true;
                try {
                  await api('POST', `/v1/stores/${store.id}/reconcile`);
                  toast('Stock reconciliation requested: its result appears in the activity.');
                } catch (error) {
                  toast(error.message);
                } finally {
                  button.disabled = false;
                }
              },
            },
            'Reconcile stock',
          )
        : null,
      h(
        'button',
        {
          type: 'button',
          id: 'connection',
          class: store.status === 'CONNECTED' ? 'danger' : 'primary',
          onclick: toggleConnection,
        },
        store.status === 'CONNECTED' ? 'Disconnect' : 'Connect',
      ),
    ),
  );
  const tabs = h(
    'nav',
    { class: 'tabs' },
    h('a', { href: `#/stores/${store.id}`, class: tab === 'overview' ? 'active' : '' }, 'Overview'),
    h(
      'a',
      {
        href: `#/stores/${store.id}/configuration`,
        id: 'tab-configuration',
        class: tab === 'configuration' ? 'active' : '',
      },
      'Configuration',
    ),
    h(
      'a',
      {
        href: `#/stores/${store.id}/activity`,
        id: 'tab-activity',
        class: tab === 'activity' ? 'active' : '',
      },
      'Activity',
    ),
    h(
      'a',
      {
        href: `#/stores/${store.id}/catalog`,
        id: 'tab-catalog',
        class: tab === 'catalog' ? 'active' : '',
      },
      'Catalog',
    ),
    h(
      'a',
      {
        href: `#/stores/${store.id}/reports`,
        id: 'tab-reports',
        class: tab === 'reports' ? 'active' : '',
      },
      'Reports',
    ),
  );
  const body =
    tab === 'configuration'
      ? await configurationForm(store, etag, () => renderStore(view, me, store.id, 'configuration'))
      : tab === 'activity'
        ? await activityTab(store, orderId)
        : tab === 'catalog'
          ? await catalogTab(store)
          : tab === 'reports'
            ? await reportsTab(store)
            : overview(store);
  view.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h('a', { href: '#/stores', class: 'back' }, '← Stores'),
      header,
      tabs,
      body,
    ),
  );
}

function overview(store) {
  const on = TOGGLES.filter(([name]) => store.toggles[name]).map(([name, label]) =>
    name === 'cancellations' && store.cancelShipBobOnMarketplaceCancel
      ? `${label} (both ways)`
      : label,
  );
  const dl = (pairs) =>
    h(
      'dl',
      { class: 'facts' },
      pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
    );
  return dl([
    ['Status', store.status],
    ['Shop id', store.miraklShopId],
    ['Mirakl API key', store.miraklApiKey || '—'],
    [
      'ShipBob',
      store.shipbob
        ? `${store.shipbob.pat} (channel ${store.shipbob.channelName})`
        : 'not configured',
    ],
    ['Syncing', on.length > 0 ? on.join(', ') : 'nothing enabled'],
    ['Returns approved', store.returnsApproved ? 'yes' : 'no (ask your administrator)'],
    ['Poll interval', `${store.pollIntervalMinutes} min`],
    [
      'ShipBob updates',
      store.tracking?.mode === 'webhooks'
        ? 'pushed by ShipBob within seconds (polling as a safety net)'
        : 'polling only',
    ],
    ['Ship options', shipOptionsSummary(store)],
    ['Returns', returnReasonsSummary(store)],
  ]);
}

/** One On/Off switch with its hint and the slot for the API's error about it. */
function switchControl({ name, label, hint, checked, sub = false }) {
  const input = h('input', {
    type: 'checkbox',
    id: `t-${name}`,
    role: 'switch',
    checked,
    'aria-describedby': `e-${name}`,
  });
  const state = h('span', { class: 'state' }, checked ? 'On' : 'Off');
  input.addEventListener('change', () => (state.textContent = input.checked ? 'On' : 'Off'));
  return h(
    'div',
    { class: sub ? 'toggle sub' : 'toggle', 'data-toggle': name },
    h(
      'label',
      { for: `t-${name}` },
      input,
      h('span', { class: 'switch', 'aria-hidden': 'true' }),
      h('span', { class: 'name' }, label),
      state,
    ),
    h('p', { class: 'hint' }, hint),
    h('p', { class: 'error', id: `e-${name}`, 'data-error-for': name, role: 'alert' }),
  );
}

/** The Configuration tab; `reload` shows the saved store again. */
async function configurationForm(store, etag, reload) {
  let centers = [];
  if (store.shipbob) {
    try {
      centers = (await api('GET', `/v1/stores/${store.id}/fulfillment-centers`)).body.items;
    } catch (error) {
      toast(`Fulfillment centers unavailable: ${error.message}`);
    }
  }
  const pat = h('input', {
    id: 'f-shipbobPat',
    type: 'password',
    autocomplete: 'off',
    placeholder: store.shipbob
      ? `Saved: ${store.shipbob.pat} (leave empty to keep)`
      : 'Paste a ShipBob personal access token',
  });
  const email = h('input', {
    id: 'f-reportEmail',
    type: 'email',
    value: store.reportEmail || '',
    placeholder: 'returns@yourcompany.com',
  });
  const reportWhenEmpty = h('input', {
    id: 'f-reportWhenEmpty',
    type: 'checkbox',
    checked: store.reportWhenEmpty,
  });
  const buffer = h('input', {
    id: 'f-inventoryBuffer',
    type: 'number',
    step: '1',
    value: store.inventoryBuffer,
  });
  const interval = h('input', {
    id: 'f-pollIntervalMinutes',
    type: 'number',
    min: '1',
    step: '1',
    value: store.pollIntervalMinutes,
  });
  const center = h(
    'select',
    { id: 'f-returnFulfillmentCenterId', disabled: !store.shipbob },
    h('option', { value: '' }, store.shipbob ? '— none —' : 'Enter a ShipBob token first'),
    centers.map((c) =>
      h(
        'option',
        { value: c.id, selected: c.id === store.returnFulfillmentCenterId },
        c.location ? `${c.name} · ${c.location}` : c.name,
      ),
    ),
  );
  const toggles = TOGGLES.map(([name, label, hint]) =>
    switchControl({
      name,
      label,
      hint: name === 'returns' && !store.returnsApproved ? `${hint} — not approved yet` : hint,
      checked: store.toggles[name],
    }),
  );
  // The second switch under Sync Cancelations: it acts only while Sync Cancelations is on.
  const marketplaceCancels = switchControl({
    name: 'cancelShipBobOnMarketplaceCancel',
    label: 'Cancel in ShipBob when the marketplace cancels',
    hint: 'An order canceled or refused on Mirakl also cancels its ShipBob order, unless it is already labeled (then intercept it in ShipBob). Off by default.',
    checked: store.cancelShipBobOnMarketplaceCancel,
    sub: true,
  });
  const shipOptions = shipOptionsEditor(store);
  const returnReasons = returnReasonsEditor(store);
  const at = TOGGLES.findIndex(([name]) => name === 'cancellations');
  const cancellations = toggles[at];
  toggles.splice(at + 1, 0, marketplaceCancels);
  const mainSwitch = cancellations.querySelector('input');
  const subSwitch = marketplaceCancels.querySelector('input');
  const follow = () => {
    subSwitch.disabled = !mainSwitch.checked;
    marketplaceCancels.classList.toggle('disabled', !mainSwitch.checked);
  };
  mainSwitch.addEventListener('change', follow);
  follow();
  const submit = h(
    'button',
    { type: 'submit', class: 'primary', id: 'save' },
    'Save configuration',
  );
  const form = h(
    'form',
    {
      class: 'config',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        submit.disabled = true;
        try {
          const change = {
            reportEmail: email.value.trim() === '' ? null : email.value.trim(),
            reportWhenEmpty: reportWhenEmpty.checked,
            toggles: Object.fromEntries(
              TOGGLES.map(([name]) => [name, form.querySelector(`#t-${name}`).checked]),
            ),
            inventoryBuffer: buffer.value === '' ? Number.NaN : Number(buffer.value),
            returnFulfillmentCenterId: center.value === '' ? null : center.value,
            pollIntervalMinutes: interval.value === '' ? Number.NaN : Number(interval.value),
            ...shipOptions.read(),
            ...returnReasons.read(),
            cancelShipBobOnMarketplaceCancel: subSwitch.checked,
          };
          if (pat.value.trim() !== '') change.shipbobPat = pat.value.trim();
          if (!store.shipbob && !change.shipbobPat) delete change.returnFulfillmentCenterId;
          await api('PATCH', `/v1/stores/${store.id}`, { body: change, ifMatch: etag });
          await reload();
          toast('Configuration saved.');
        } catch (error) {
          if (error instanceof ApiError && error.status === 412) {
            showErrors(
              form,
              new ApiError(412, {
                title:
                  'Someone else changed this store. Reload the page to see their change, then apply yours again.',
              }),
            );
          } else showErrors(form, error);
          submit.disabled = false;
        }
      },
    },
    h(
      'fieldset',
      {},
      h('legend', {}, 'ShipBob'),
      field(
        'shipbobPat',
        'Personal access token',
        pat,
        store.shipbob
          ? `Writes as channel “${store.shipbob.channelName}”.`
          : 'Verified with ShipBob before it is saved.',
      ),
    ),
    h('fieldset', { class: 'toggles' }, h('legend', {}, 'Sync'), toggles),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Settings'),
      field(
        'inventoryBuffer',
        'Inventory buffer',
        buffer,
        'Units held back from Mirakl for each SKU.',
      ),
      field('returnFulfillmentCenterId', 'Return fulfillment center', center),
      field('pollIntervalMinutes', 'Poll interval (minutes)', interval, 'Default 15, minimum 1.'),
      field('reportEmail', 'Daily return report e-mail', email, 'Optional.'),
      field(
        'reportWhenEmpty',
        'Report days without completed returns',
        reportWhenEmpty,
        'Sends “no completed returns” on such days; otherwise no e-mail is sent.',
      ),
    ),
    shipOptions.element,
    returnReasons.element,
    h('p', { class: 'form-error', role: 'alert' }),
    h('div', { class: 'actions' }, submit),
  );
  return form;
}

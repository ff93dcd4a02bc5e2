/* global location, navigator, setTimeout */
import { api, ApiError } from './api.js';
import { dateOf, field, h, showErrors, toast } from './dom.js';

/** Tenants: the list, with a form to create one. */
export async function renderTenants(view) {
  const [tenants, tokens, stores] = await Promise.all([
    api('GET', '/v1/tenants').then((r) => r.body.items),
    api('GET', '/v1/tokens').then((r) => r.body.items),
    api('GET', '/v1/stores').then((r) => r.body.items),
  ]);
  const count = (items, tenantId) => items.filter((i) => i.tenantId === tenantId).length;
  const name = h('input', { id: 'f-name', name: 'name', type: 'text', autocomplete: 'off' });
  const form = h(
    'form',
    {
      class: 'inline-form',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const { body } = await api('POST', '/v1/tenants', { body: { name: name.value.trim() } });
          toast(`Tenant ${body.name} created. Issue it a token next.`);
          location.hash = `#/tenants/${body.id}`;
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    field('name', 'New tenant', name, 'A seller company; its tokens see only its stores.'),
    h('button', { type: 'submit', class: 'primary', id: 'create-tenant' }, 'Create tenant'),
    h('p', { class: 'form-error', role: 'alert' }),
  );
  const rows = tenants.map((t) =>
    h(
      'tr',
      { 'data-tenant-id': t.id },
      h('td', {}, h('a', { href: `#/tenants/${t.id}` }, t.name)),
      h('td', {}, String(count(stores, t.id))),
      h('td', {}, String(count(tokens, t.id))),
      h('td', {}, dateOf(t.createdAt)),
    ),
  );
  view.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h(
        'div',
        { class: 'row' },
        h('h1', {}, 'Tenants'),
        h('a', { href: '#/tenants/admin', class: 'button' }, 'Administrator tokens'),
      ),
      form,
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No tenant yet. Create the first one above.')
        : h(
            'table',
            { class: 'list' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                h('th', {}, 'Tenant'),
                h('th', {}, 'Stores'),
                h('th', {}, 'Tokens'),
                h('th', {}, 'Created'),
              ),
            ),
            h('tbody', {}, rows),
          ),
    ),
  );
}

/** One tenant's tokens (or, for `admin`, the administrator tokens): issue, list, revoke. */
export async function renderTokens(view, tenantId, signInAs) {
  const forAdmins = tenantId === 'admin';
  const tenant = forAdmins
    ? { id: null, name: 'Administrators' }
    : (await api('GET', '/v1/tenants')).body.items.find((t) => t.id === tenantId);
  if (!tenant) throw new ApiError(404, { title: 'No such tenant' });
  const tokens = (
    await api(
      'GET',
      forAdmins ? '/v1/tokens' : `/v1/tokens?tenantId=${encodeURIComponent(tenantId)}`,
    )
  ).body.items.filter((t) => (forAdmins ? t.tenantId === null : true));

  const issued = h('div', { id: 'issued', hidden: true });
  const name = h('input', { id: 'f-name', name: 'name', type: 'text', autocomplete: 'off' });
  const form = h(
    'form',
    {
      class: 'inline-form',
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const { body } = await api('POST', '/v1/tokens', {
            body: { name: name.value.trim(), tenantId: tenant.id },
          });
          await renderTokens(view, tenantId, signInAs);
          showIssued(view.querySelector('#issued'), body, tenant, signInAs);
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    field('name', 'Token name', name, 'Where it will be used, e.g. "acme-ui" or "ops laptop".'),
    h('button', { type: 'submit', class: 'primary', id: 'issue-token' }, 'Issue token'),
    h('p', { class: 'form-error', role: 'alert' }),
  );
  const rows = tokens.map((t) =>
    h(
      'tr',
      { 'data-token-id': t.id },
      h('td', {}, t.name),
      h('td', {}, dateOf(t.createdAt)),
      h(
        'td',
        { class: 'end' },
        revokeButton(t, () => renderTokens(view, tenantId, signInAs)),
      ),
    ),
  );
  view.replaceChildren(
    h(
      'section',
      { class: 'card' },
      h('a', { href: '#/tenants', class: 'back' }, '← Tenants'),
      h('h1', {}, tenant.name),
      forAdmins
        ? h('p', { class: 'muted' }, 'Administrator tokens see every store and manage tenants.')
        : h('p', { class: 'muted' }, `Tenant id ${tenant.id}`),
      issued,
      form,
      h('h2', {}, 'Tokens'),
      rows.length === 0
        ? h('p', { class: 'empty' }, 'No token yet.')
        : h(
            'table',
            { class: 'list' },
            h(
              'thead',
              {},
              h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Issued'), h('th', {}, '')),
            ),
            h('tbody', {}, rows),
          ),
    ),
  );
}

/** The new token, shown once: copy it, or sign in with it straight away. */
function showIssued(slot, token, tenant, signInAs) {
  const value = h('input', {
    id: 'issued-token',
    type: 'text',
    readonly: true,
    value: token.token,
    'aria-label': 'New token',
  });
  slot.replaceChildren(
    h(
      'div',
      { class: 'notice' },
      h('strong', {}, `Token “${token.name}” issued. Copy it now: it is shown only once.`),
      h(
        'div',
        { class: 'row gap' },
        value,
        h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              value.select();
              try {
                await navigator.clipboard.writeText(token.token);
                toast('Copied.');
              } catch {
                toast('Press Ctrl+C (⌘C) to copy the selected token.');
              }
            },
          },
          'Copy',
        ),
        tenant.id === null
          ? null
          : h(
              'button',
              { type: 'button', id: 'sign-in-as', onclick: () => signInAs(token.token) },
              `Sign in as ${tenant.name}`,
            ),
      ),
    ),
  );
  slot.hidden = false;
}

/** Revoking asks for a second click: a revoked token stops its integration at once. */
function revokeButton(token, refresh) {
  const button = h('button', { type: 'button', class: 'danger small' }, 'Revoke');
  let armed = false;
  button.addEventListener('click', async () => {
    if (!armed) {
      armed = true;
      button.textContent = 'Click again to revoke';
      setTimeout(() => {
        armed = false;
        button.textContent = 'Revoke';
      }, 5000);
      return;
    }
    try {
      await api('DELETE', `/v1/tokens/${encodeURIComponent(token.id)}`);
      toast(`Token “${token.name}” revoked.`);
    } catch (error) {
      toast(error.message);
    }
    await refresh();
  });
  return button;
}

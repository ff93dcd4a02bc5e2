/* global document, location, window */
import { api, session } from './api.js';
import { field, h, showErrors } from './dom.js';
import { renderTenants, renderTokens } from './admin.js';
import { renderConnect, renderStore, renderStoreList } from './stores.js';

const view = document.getElementById('view');
/** Who is signed in (`GET /v1/whoami`), or null. */
let me = null;

function renderSignIn() {
  const input = h('input', {
    id: 'f-token',
    type: 'password',
    autocomplete: 'off',
    required: true,
  });
  const form = h(
    'form',
    {
      class: 'card narrow',
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          await signIn(input.value.trim());
        } catch (error) {
          showErrors(form, error);
        }
      },
    },
    h('h1', {}, 'Sign in'),
    field('token', 'API token', input, 'The bearer token your administrator gave you.'),
    h('p', { class: 'form-error', role: 'alert' }),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
  view.replaceChildren(form);
}

/** Signs in with a token (rejects, signed out, when the API does not accept it). */
async function signIn(token) {
  session.token = token;
  try {
    await loadMe();
  } catch (error) {
    signOut();
    throw error;
  }
  if (location.hash === '#/stores') await route();
  else location.hash = '#/stores';
}

function signOut() {
  session.token = null;
  me = null;
  document.getElementById('toast').hidden = true;
  renderHeader();
}

async function loadMe() {
  me = (await api('GET', '/v1/whoami')).body;
  renderHeader();
}

/** The top bar: where to go, and who is signed in (the tenant's name, not its id). */
function renderHeader() {
  const links = !me
    ? []
    : [
        h('a', { href: '#/stores', id: 'nav-stores' }, 'Stores'),
        me.role === 'admin' ? h('a', { href: '#/tenants', id: 'nav-tenants' }, 'Tenants') : null,
      ];
  document.getElementById('nav').replaceChildren(...links.filter(Boolean));
  document.getElementById('who').textContent = !me
    ? ''
    : me.role === 'admin'
      ? 'Administrator'
      : (me.tenantName ?? `Tenant ${me.tenantId.slice(0, 8)}`);
  document.getElementById('sign-out').hidden = !me;
}

async function route() {
  if (!session.token) return renderSignIn();
  if (!me) {
    try {
      await loadMe();
    } catch {
      signOut();
      return renderSignIn();
    }
  }
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  try {
    if (parts[0] === 'tenants' && me.role === 'admin') {
      if (parts.length === 1) return await renderTenants(view);
      return await renderTokens(view, decodeURIComponent(parts[1]), signInAs);
    }
    if (parts[0] !== 'stores' || parts.length === 1) return await renderStoreList(view, me);
    if (parts[1] === 'new') return renderConnect(view);
    const tab = ['configuration', 'activity', 'catalog', 'reports'].includes(parts[2])
      ? parts[2]
      : 'overview';
    const orderId = tab === 'activity' && parts[3] ? decodeURIComponent(parts[3]) : undefined;
    return await renderStore(view, me, decodeURIComponent(parts[1]), tab, orderId);
  } catch (error) {
    view.replaceChildren(
      h(
        'section',
        { class: 'card' },
        h('p', { class: 'form-error' }, error.message),
        h('a', { href: '#/stores' }, '← Stores'),
      ),
    );
  }
}

/** An administrator switches to a tenant token just issued (this tab only). */
async function signInAs(token) {
  await signIn(token);
}

document.getElementById('sign-out').addEventListener('click', () => {
  signOut();
  renderSignIn();
});
window.addEventListener('hashchange', () => void route());
void route();

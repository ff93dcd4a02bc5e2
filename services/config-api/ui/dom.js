/* global document, Node, CSS, setTimeout, clearTimeout */
import { ApiError } from './api.js';

/** Builds an element: h('div', { class: 'x', onclick }, child, ...). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = value;
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

let toastTimer;

/** A short message at the bottom of the page. */
export function toast(message) {
  const el = document.getElementById('toast');
  el.textContent = message;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.hidden = true), 4000);
}

/** A labelled field with a slot for its API error. */
export function field(name, label, input, hint) {
  return h(
    'div',
    { class: 'field', 'data-field': name },
    h('label', { for: `f-${name}` }, label),
    input,
    hint ? h('p', { class: 'hint' }, hint) : null,
    h('p', { class: 'error', id: `e-${name}`, 'data-error-for': name, role: 'alert' }),
  );
}

/** Puts each API error next to its field; errors without a field go to the form's banner. */
export function showErrors(form, error) {
  for (const el of form.querySelectorAll('.error')) el.textContent = '';
  for (const el of form.querySelectorAll('.invalid')) el.classList.remove('invalid');
  const banner = form.querySelector('.form-error');
  banner.textContent = '';
  if (!(error instanceof ApiError)) {
    banner.textContent = `Something went wrong: ${error.message}`;
    return;
  }
  const unplaced = [];
  for (const e of error.errors) {
    const name = e.field.startsWith('toggles.') ? e.field.slice(8) : e.field;
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    if (slot) {
      slot.textContent = slot.textContent ? `${slot.textContent} ${e.message}` : e.message;
      slot.closest('.ship-option, .field, .toggle')?.classList.add('invalid');
    } else unplaced.push(e.message);
  }
  if (error.errors.length === 0 || unplaced.length > 0) {
    banner.textContent = unplaced.length > 0 ? unplaced.join(' ') : error.message;
  }
}

export function statusBadge(status) {
  return h('span', { class: `badge ${status.toLowerCase()}`, 'data-status': status }, status);
}

/** A date as the reader's locale writes it. */
export const dateOf = (iso) => new Date(iso).toLocaleString();

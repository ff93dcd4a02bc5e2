import { ApiError } from './api.js';
import { field, h } from './dom.js';

/**
 * The Ship options fieldset: which ShipBob ship option an order gets, per Mirakl shipping type
 * code (the order's `shipping_type_code`), and for any other type. `read()` returns the change
 * for PATCH, or throws an {@link ApiError} naming a row when a code is listed twice.
 */
export function shipOptionsEditor(store) {
  const fallback = h('input', {
    id: 'f-defaultShippingMethod',
    type: 'text',
    maxlength: '100',
    value: store.defaultShippingMethod,
    placeholder: 'Standard',
  });
  const rows = h('div', { class: 'ship-options', id: 'ship-options' });
  const addRow = (code = '', option = '') => {
    const row = shipOptionRow(code, option);
    rows.append(row);
    return row;
  };
  for (const [code, option] of Object.entries(store.shippingMethods)) addRow(code, option);
  const add = h(
    'button',
    {
      type: 'button',
      class: 'small',
      id: 'add-shipping-type',
      onclick: () => addRow().querySelector('input').focus(),
    },
    'Add shipping type',
  );

  const element = h(
    'fieldset',
    {},
    h('legend', {}, 'Ship options'),
    h(
      'div',
      { class: 'field', 'data-field': 'shippingMethods' },
      h('label', {}, 'Per Mirakl shipping type'),
      h(
        'p',
        { class: 'hint' },
        'The shipping type code of a Mirakl order (e.g. STD, not its label) and the ShipBob ship option its orders get: a name from your ShipBob Ship Option Mapping.',
      ),
      rows,
      add,
      h('p', { class: 'error', 'data-error-for': 'shippingMethods', role: 'alert' }),
    ),
    field(
      'defaultShippingMethod',
      'Any other shipping type',
      fallback,
      'A name ShipBob does not know yet is added to its Ship Option Mapping as Standard.',
    ),
  );

  const read = () => {
    const entries = [];
    for (const row of rows.querySelectorAll('[data-ship-option]')) {
      const code = row.querySelector('.shipping-type').value.trim();
      const option = row.querySelector('.ship-option-name').value.trim();
      // The row's API errors name it by its code.
      row.querySelector('.error').dataset.errorFor = `shippingMethods.${code}`;
      if (code !== '' || option !== '') entries.push([code, option]);
    }
    const codes = entries.map(([code]) => code);
    const twice = codes.find((code, i) => codes.indexOf(code) !== i);
    if (twice !== undefined) {
      throw new ApiError(422, {
        title: 'A shipping type is listed twice',
        errors: [
          {
            field: `shippingMethods.${twice}`,
            rule: 'unique',
            message: `${twice} is listed twice: keep one row`,
          },
        ],
      });
    }
    return {
      shippingMethods: Object.fromEntries(entries),
      defaultShippingMethod: fallback.value.trim(),
    };
  };
  return { element, read };
}

function shipOptionRow(code, option) {
  const row = h(
    'div',
    { class: 'ship-option', 'data-ship-option': '' },
    h('input', {
      type: 'text',
      class: 'shipping-type',
      'aria-label': 'Mirakl shipping type code',
      maxlength: '64',
      value: code,
      placeholder: 'Mirakl code, e.g. STD',
    }),
    h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
    h('input', {
      type: 'text',
      class: 'ship-option-name',
      'aria-label': 'ShipBob ship option',
      maxlength: '100',
      value: option,
      placeholder: 'ShipBob ship option, e.g. Expedited',
    }),
    h('button', { type: 'button', class: 'small link', onclick: () => row.remove() }, 'Remove'),
    h('p', { class: 'error', role: 'alert' }),
  );
  return row;
}

/** One line for the overview: each mapped type, then what every other type gets. */
export function shipOptionsSummary(store) {
  const mapped = Object.entries(store.shippingMethods).map(
    ([code, option]) => `${code} → ${option}`,
  );
  return mapped.length === 0
    ? `${store.defaultShippingMethod} for every order`
    : `${mapped.join(', ')}; any other → ${store.defaultShippingMethod}`;
}

import { ApiError } from './api.js';
import { field, h } from './dom.js';

const ACTIONS = [
  ['Default', 'Default (each item’s own return preference in ShipBob)'],
  ['Restock', 'Restock'],
  ['Quarantine', 'Quarantine'],
  ['Dispose', 'Dispose'],
];

/**
 * The Returns fieldset: which Mirakl incident reasons mean the item is coming back (a ShipBob
 * return is created) and which are ignored — every reason not listed creates one — and the action
 * asked of the warehouse. `read()` returns the change for PATCH, or throws an {@link ApiError}
 * naming a row when a reason is listed twice.
 */
export function returnReasonsEditor(store) {
  const rows = h('div', { class: 'return-reasons', id: 'return-reasons' });
  const addRow = (code = '', decision = 'ignore') => {
    const row = reasonRow(code, decision);
    rows.append(row);
    return row;
  };
  for (const [code, decision] of Object.entries(store.returnReasons)) addRow(code, decision);
  const add = h(
    'button',
    {
      type: 'button',
      class: 'small',
      id: 'add-return-reason',
      onclick: () => addRow().querySelector('input').focus(),
    },
    'Add incident reason',
  );
  const action = h(
    'select',
    { id: 'f-returnRequestedAction' },
    ACTIONS.map(([value, label]) =>
      h('option', { value, selected: value === store.returnRequestedAction }, label),
    ),
  );

  const element = h(
    'fieldset',
    {},
    h('legend', {}, 'Returns'),
    h(
      'div',
      { class: 'field', 'data-field': 'returnReasons' },
      h('label', {}, 'Per Mirakl incident reason'),
      h(
        'p',
        { class: 'hint' },
        'The reason code of a Mirakl incident (e.g. DAMAGED) and whether it means the item comes back. Reasons not listed create a ShipBob return.',
      ),
      rows,
      add,
      h('p', { class: 'error', 'data-error-for': 'returnReasons', role: 'alert' }),
    ),
    field(
      'returnRequestedAction',
      'Action requested of the warehouse',
      action,
      'Asked for every item of every return this store creates.',
    ),
  );

  const read = () => {
    const entries = [];
    for (const row of rows.querySelectorAll('[data-return-reason]')) {
      const code = row.querySelector('.reason-code').value.trim();
      const decision = row.querySelector('.reason-decision').value;
      row.querySelector('.error').dataset.errorFor = `returnReasons.${code}`;
      if (code !== '') entries.push([code, decision]);
    }
    const codes = entries.map(([code]) => code);
    const twice = codes.find((code, i) => codes.indexOf(code) !== i);
    if (twice !== undefined) {
      throw new ApiError(422, {
        title: 'An incident reason is listed twice',
        errors: [
          {
            field: `returnReasons.${twice}`,
            rule: 'unique',
            message: `${twice} is listed twice: keep one row`,
          },
        ],
      });
    }
    return { returnReasons: Object.fromEntries(entries), returnRequestedAction: action.value };
  };
  return { element, read };
}

function reasonRow(code, decision) {
  const row = h(
    'div',
    { class: 'return-reason', 'data-return-reason': '' },
    h('input', {
      type: 'text',
      class: 'reason-code',
      'aria-label': 'Mirakl incident reason code',
      maxlength: '64',
      value: code,
      placeholder: 'Mirakl reason code, e.g. DAMAGED',
    }),
    h('span', { class: 'arrow', 'aria-hidden': 'true' }, '→'),
    h(
      'select',
      { class: 'reason-decision', 'aria-label': 'What the incident does' },
      h('option', { value: 'create', selected: decision === 'create' }, 'Create a ShipBob return'),
      h('option', { value: 'ignore', selected: decision === 'ignore' }, 'Ignore (no return)'),
    ),
    h('button', { type: 'button', class: 'small link', onclick: () => row.remove() }, 'Remove'),
    h('p', { class: 'error', role: 'alert' }),
  );
  return row;
}

/** One line for the overview: the ignored reasons and the action asked. */
export function returnReasonsSummary(store) {
  const ignored = Object.entries(store.returnReasons)
    .filter(([, decision]) => decision === 'ignore')
    .map(([code]) => code);
  const which =
    ignored.length === 0
      ? 'every incident reason creates a return'
      : `every reason but ${ignored.join(', ')} creates a return`;
  return `${which}; action ${store.returnRequestedAction}`;
}

import { api } from './api.js';
import { dateOf, h, toast } from './dom.js';

/**
 * The Reports tab: the returns report e-mail as the reporter would send it now, a "send a test
 * report" button, and the daily reports sent (date, count, result). Served through config-api by
 * the reporter (ADR 0072).
 */
export async function reportsTab(store) {
  const base = `/v1/stores/${encodeURIComponent(store.id)}`;
  const panel = h('div', { class: 'reports' });
  const [preview, history] = await Promise.all([
    api('GET', `${base}/report/preview`).then(
      (r) => r.body,
      (error) => error,
    ),
    api('GET', `${base}/reports?limit=30`).then(
      (r) => r.body.items,
      (error) => error,
    ),
  ]);

  const sendTest = async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    try {
      const { body } = await api('POST', `${base}/report/test`);
      toast(`Test report sent to ${body.to}.`);
    } catch (error) {
      toast(error.message);
    } finally {
      button.disabled = false;
    }
  };

  panel.append(
    h('h2', {}, 'Daily returns report'),
    h(
      'p',
      { class: 'muted' },
      'Sent at 9:00 New York time to the report address, listing the returns completed since the previous report.',
    ),
  );
  if (preview instanceof Error) {
    panel.append(h('p', { class: 'form-error', id: 'report-preview-error' }, preview.message));
  } else {
    panel.append(
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'To'),
        h('dd', { id: 'report-to' }, preview.to || 'no report address (set it in Configuration)'),
        h('dt', {}, 'Subject'),
        h('dd', { id: 'report-subject' }, preview.subject),
        h('dt', {}, 'Completed returns now'),
        h('dd', { id: 'report-count' }, String(preview.returnCount)),
      ),
      h('iframe', {
        id: 'report-preview',
        class: 'report-preview',
        title: 'Report preview',
        sandbox: '',
        srcdoc: preview.html,
      }),
      h(
        'div',
        { class: 'row gap' },
        h(
          'button',
          {
            type: 'button',
            id: 'report-test',
            class: 'primary',
            onclick: sendTest,
            disabled: !preview.to,
          },
          'Send a test report',
        ),
      ),
    );
  }

  panel.append(h('h3', {}, 'Reports sent'));
  if (history instanceof Error) {
    panel.append(h('p', { class: 'form-error' }, history.message));
  } else if (history.length === 0) {
    panel.append(h('p', { class: 'muted', id: 'report-history-empty' }, 'No report yet.'));
  } else {
    panel.append(
      h(
        'table',
        { class: 'report-history' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Date'),
            h('th', {}, 'Returns'),
            h('th', {}, 'Result'),
            h('th', {}, 'When'),
          ),
        ),
        h(
          'tbody',
          {},
          history.map((report) =>
            h(
              'tr',
              {},
              h('td', {}, report.reportDate),
              h('td', {}, String(report.returnCount)),
              h(
                'td',
                { title: report.detail || '' },
                report.reason ? `${report.result} (${report.reason})` : report.result,
              ),
              h('td', {}, dateOf(report.resolvedAt)),
            ),
          ),
        ),
      ),
    );
  }
  return panel;
}

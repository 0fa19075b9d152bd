// Settings → Webhooks (admins): the workspace's outgoing webhooks, creating one (its signing secret shown once), and
// each one's recent deliveries with their answers, to send one again.
import { get, post, del } from './api.js';
import { confirmAction } from './dialog.js';
import { h, replace, toast } from './dom.js';
import { age } from './format.js';

const EVENTS = ['session.created', 'session.waiting', 'session.completed', 'session.failed', 'pr.opened', 'pr.merged', 'pr.closed'];

/** Renders the webhooks page into `main`. Returns a cleanup function. */
export function webhooksPage(main, { me }) {
  if (me?.role !== 'admin') {
    replace(main, h('div.page-head', h('h1', 'Webhooks')), h('p.muted', 'Only admins of the workspace manage its webhooks.'));
    return () => {};
  }
  const url = h('input#webhook-url', { name: 'url', type: 'url', required: true, maxlength: 2000,
    placeholder: 'https://hooks.example.com/magnet', 'aria-describedby': 'webhook-error' });
  const format = h('select#webhook-format', { name: 'format' }, h('option', { value: 'magnet' }, 'Magnet JSON'),
    h('option', { value: 'slack' }, 'Slack'));
  const boxes = EVENTS.map((e) => h('input', { type: 'checkbox', name: 'events', value: e, checked: true, id: `event-${e}` }));
  const error = h('p#webhook-error.error-text', { role: 'alert' });
  const submit = h('button.primary', { type: 'submit' }, 'Create webhook');
  const form = h('form.key-form', { 'aria-label': 'Create a webhook' },
    h('div.field', h('label', { for: 'webhook-url' }, 'URL'), url),
    h('div.field', h('label', { for: 'webhook-format' }, 'Format'), format),
    h('fieldset.field', h('legend', 'Events'), boxes.map((b) => h('label.check', b, ` ${b.value}`))),
    submit);
  const created = h('section.new-key', { hidden: true, 'aria-live': 'polite' });
  const list = h('div.webhooks');
  replace(main,
    h('div.page-head', h('h1', 'Webhooks')),
    h('p.muted', 'Magnet posts these events to your URLs, signed with Magnet-Signature (see docs/webhooks.md); a delivery '
      + 'not answered with 2xx is tried again for a day.'),
    form, error, created, list);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const hook = await post('/api/webhooks', { url: url.value.trim(), format: format.value,
        events: boxes.filter((b) => b.checked).map((b) => b.value) });
      replace(created, h('h2', 'Webhook created'), h('p', 'Its signing secret, shown this once:'),
        h('div.key-once', h('code#webhook-secret', hook.secret)),
        h('div.actions', h('button.link', { type: 'button', onclick: () => { created.hidden = true; replace(created); } }, 'Done')));
      created.hidden = false;
      url.value = '';
      await load();
    } catch (err) {
      error.textContent = err.message;
      url.focus();
    } finally {
      submit.disabled = false;
    }
  });

  async function load() {
    const { webhooks } = await get('/api/webhooks');
    replace(list, webhooks.length ? webhooks.map(card) : h('p.empty', 'No webhooks yet.'));
  }

  function card(hook) {
    const deliveries = h('tbody');
    const remove = h('button.small.danger-outline', { type: 'button', 'aria-label': `Delete webhook ${hook.url}` }, 'Delete');
    remove.addEventListener('click', async () => {
      const yes = await confirmAction({ title: 'Delete this webhook?', danger: true, confirm: 'Delete webhook',
        message: `Nothing more is sent to ${hook.url}, and its deliveries are forgotten.` });
      if (!yes) return;
      try {
        await del(`/api/webhooks/${encodeURIComponent(hook.id)}`);
        await load();
      } catch (err) {
        toast(err.message, 'error');
      }
    });
    const section = h('section.card.webhook', { dataset: { id: hook.id } },
      h('div.page-head', h('h2', h('code', hook.url)), remove),
      h('p.muted', `${hook.format} · ${hook.events.join(', ')}${hook.enabled ? '' : ' · disabled'}`),
      h('div.scroll', h('table.deliveries',
        h('thead', h('tr', ['Event', 'State', 'Attempts', 'Answer', 'Made'].map((t) => h('th', { scope: 'col' }, t)),
          h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
        deliveries)));
    showDeliveries(hook, deliveries).catch((err) => toast(err.message, 'error'));
    return section;
  }

  async function showDeliveries(hook, body) {
    const { deliveries } = await get(`/api/webhooks/${encodeURIComponent(hook.id)}/deliveries?limit=20`);
    replace(body, deliveries.length ? deliveries.map((d) => {
      const again = h('button.small', { type: 'button', 'aria-label': `Send delivery ${d.id} again` }, 'Redeliver');
      again.addEventListener('click', async () => {
        try {
          await post(`/api/webhooks/${encodeURIComponent(hook.id)}/deliveries/${encodeURIComponent(d.id)}/redeliver`);
          toast('Sent again');
          await showDeliveries(hook, body);
        } catch (err) {
          toast(err.message, 'error');
        }
      });
      return h('tr', { dataset: { id: d.id } },
        h('td', h('code', d.event)),
        h('td', h(`span.badge.${d.state === 'delivered' ? 'completed' : d.state === 'failed' ? 'failed' : 'active'}`, d.state)),
        h('td', String(d.attempts)),
        h('td', d.responseStatus != null ? `HTTP ${d.responseStatus}` : (d.error || '—')),
        h('td', h('time', { datetime: d.createdAt, title: d.createdAt }, age(d.createdAt))),
        h('td.end', again));
    }) : h('tr', h('td.empty', { colspan: 6 }, 'No deliveries yet.')));
  }

  load().catch((err) => toast(err.message, 'error'));
  url.focus();
  return () => {};
}

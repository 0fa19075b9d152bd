// The API keys page: the caller's own keys (prefix, name, last use), creating one (shown once) and revoking.
import { get, post, del } from './api.js';
import { confirmAction } from './dialog.js';
import { h, replace, toast } from './dom.js';
import { age } from './format.js';

/** Renders the API keys page into `main`. Returns a cleanup function. */
export function keysPage(main) {
  const name = h('input#key-name', { name: 'name', required: true, maxlength: 100, placeholder: 'e.g. CI pipeline',
    'aria-describedby': 'key-error' });
  const error = h('p#key-error.error-text', { role: 'alert' });
  const submit = h('button.primary', { type: 'submit' }, 'Create key');
  const form = h('form.key-form', { 'aria-label': 'Create an API key' },
    h('div.field', h('label', { for: 'key-name' }, 'Name of a new key'), name), submit);
  const created = h('section.new-key', { hidden: true, 'aria-live': 'polite' });
  const list = h('tbody');
  replace(main,
    h('div.page-head', h('h1', 'API keys')),
    h('p.muted', 'A key lets a script or the sessions CLI act as you in this workspace; send it as the x-api-key header.'),
    form, error, created,
    h('div.scroll.card', h('table.keys',
      h('thead', h('tr',
        ['Name', 'Key', 'Created', 'Last used'].map((t) => h('th', { scope: 'col', class: t === 'Created' ? 'created' : null }, t)),
        h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
      list)));

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      const key = await post('/api/keys', { name: name.value.trim() });
      showOnce(key);
      name.value = '';
      await load();
    } catch (err) {
      error.textContent = err.message;
      name.focus();
    } finally {
      submit.disabled = false;
    }
  });

  function showOnce(key) {
    const value = h('code#new-key-value', key.key);
    const copy = h('button.small', { type: 'button' }, 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(key.key);
        copy.textContent = 'Copied';
      } catch {
        getSelection().selectAllChildren(value);
        copy.textContent = 'Press Ctrl+C to copy';
      }
    });
    replace(created,
      h('h2', `Key “${key.name}” created`),
      h('p', 'Copy it now: Magnet keeps only a hash and cannot show it again.'),
      h('div.key-once', value, copy),
      h('div.actions', h('button.link', { type: 'button', onclick: () => { created.hidden = true; replace(created); name.focus(); } }, 'Done')));
    created.hidden = false;
    copy.focus();
  }

  async function load() {
    const { keys } = await get('/api/keys');
    replace(list, keys.length ? keys.map(row) : h('tr', h('td.empty', { colspan: 5 }, 'No keys yet.')));
  }

  function row(key) {
    const revoke = !key.revokedAt && h('button.small.danger-outline', { type: 'button', 'aria-label': `Revoke key ${key.name}` }, 'Revoke');
    if (revoke) {
      revoke.addEventListener('click', async () => {
        const yes = await confirmAction({ title: 'Revoke this key?', danger: true, confirm: 'Revoke key',
          message: `Anything using “${key.name}” (${key.prefix}…) is refused from its next request on. This cannot be undone.` });
        if (!yes) return revoke.focus();
        try {
          await del(`/api/keys/${encodeURIComponent(key.id)}`);
          toast(`Key “${key.name}” revoked`);
          await load();
          main.querySelector('#key-name').focus();
        } catch (err) {
          toast(err.message, 'error');
        }
      });
    }
    return h('tr', { dataset: { id: key.id }, class: key.revokedAt ? 'revoked' : null },
      h('td', key.name),
      h('td', h('code', `${key.prefix}…`)),
      h('td.created', h('time', { datetime: key.createdAt, title: key.createdAt }, age(key.createdAt))),
      h('td', key.lastUsedAt ? h('time', { datetime: key.lastUsedAt, title: key.lastUsedAt }, age(key.lastUsedAt)) : h('span.muted', 'never')),
      h('td.end', revoke || h('span.badge.failed', 'revoked')));
  }

  load().catch((err) => toast(err.message, 'error'));
  name.focus();
  return () => {};
}

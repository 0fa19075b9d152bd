// The workspace console (Settings): the workspace, its members and their roles, invites, every API key of the
// workspace, the audit log and the GitHub integration. Admins change things; members see the workspace and its members.
import { get, post, patch, put, del } from './api.js';
import { confirmAction } from './dialog.js';
import { h, replace, toast } from './dom.js';
import { age } from './format.js';

const SECTIONS = [
  ['workspace', 'Workspace'],
  ['members', 'Members'],
  ['invites', 'Invites'],
  ['keys', 'API keys'],
  ['audit', 'Audit log'],
  ['github', 'GitHub'],
];

/** Renders the console into `main` for `me` (GET /api/me), on `section`. Returns a cleanup function. */
export function consolePage(main, { me, section, navigate }) {
  const admin = me.role === 'admin';
  const shown = SECTIONS.filter(([key]) => admin || key === 'workspace' || key === 'members');
  const current = shown.some(([key]) => key === section) ? section : 'workspace';
  const tabs = h('nav.console-tabs', { 'aria-label': 'Settings sections' },
    shown.map(([key, label]) => h('a', { href: `/settings/${key}`, 'data-link': true, 'aria-current': key === current ? 'page' : null }, label)));
  const body = h('section.console-body', { 'aria-labelledby': 'console-title' });
  replace(main, h('div.page-head', h('h1#console-title', SECTIONS.find(([key]) => key === current)[1])), tabs, body);
  document.title = 'Settings · Magnet';
  const render = { workspace, members, invites, keys, audit, github }[current];
  render(body, { me, admin, navigate }).catch((err) => replace(body, h('p.error-text', { role: 'alert' }, err.message)));
  return () => {};
}

async function workspace(body, { me, admin }) {
  const name = h('dd#workspace-name', me.workspace.name);
  const input = h('input#workspace-rename', { name: 'name', value: me.workspace.name, autocomplete: 'off', required: true });
  const error = h('p.error-text', { role: 'alert' });
  const rename = admin && h('form.key-form.workspace-form', { 'aria-label': 'Rename the workspace' },
    h('div.field', h('label', { for: 'workspace-rename' }, 'Workspace name'), input),
    h('div.actions', h('button.primary', { type: 'submit' }, 'Rename')), error);
  if (rename) {
    rename.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        const { workspace: renamed } = await patch('/api/workspace', { name: input.value.trim() });
        me.workspace.name = renamed.name;
        name.textContent = renamed.name;
        toast(`Workspace renamed to ${renamed.name}`);
      } catch (err) {
        error.textContent = err.message;
      }
    });
  }
  replace(body, rename || null, h('dl.facts',
    h('dt', 'Name'), name,
    h('dt', 'Id'), h('dd', h('code', me.workspace.id)),
    h('dt', 'Your role'), h('dd#workspace-role', me.role),
    h('dt', 'Signed in as'), h('dd', me.user.email)),
  h('p.muted', 'Environments (setup, variables, network) are on ', h('a', { href: '/environments', 'data-link': true }, 'Environments'),
    '; your own keys on ', h('a', { href: '/keys', 'data-link': true }, 'API keys'), '.'));
}

async function members(body, { me, admin }) {
  const list = h('tbody');
  replace(body, h('div.scroll.card', h('table.keys.members',
    h('thead', h('tr', ['Name', 'Email', 'Role'].map((t) => h('th', { scope: 'col' }, t)),
      h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
    list)));
  async function load() {
    const { members: all } = await get('/api/workspace/members');
    replace(list, all.map(row));
  }
  function row(m) {
    const self = m.id === me.user.id;
    const role = admin && !self
      ? h('select', { 'aria-label': `Role of ${m.name}`, onchange: (e) => setRole(m, e.target) },
        ['admin', 'member'].map((r) => h('option', { value: r, selected: r === m.role }, r)))
      : h('span.badge', m.role);
    const remove = admin && !self && h('button.small.danger-outline', { type: 'button', 'aria-label': `Remove ${m.name}`, onclick: () => removeMember(m) }, 'Remove');
    return h('tr', { dataset: { id: m.id } }, h('td', m.name, self ? h('span.muted', ' (you)') : null), h('td', m.email), h('td', role), h('td.end', remove));
  }
  async function setRole(m, select) {
    try {
      await patch(`/api/workspace/members/${encodeURIComponent(m.id)}`, { role: select.value });
      toast(`${m.name} is now ${select.value === 'admin' ? 'an admin' : 'a member'}`);
    } catch (err) {
      toast(err.message, 'error');
      select.value = m.role;
    }
  }
  async function removeMember(m) {
    const yes = await confirmAction({ title: `Remove ${m.name}?`, danger: true, confirm: 'Remove member',
      message: `${m.name} loses access to this workspace at once; their API keys for it stop working.` });
    if (!yes) return;
    try {
      await del(`/api/workspace/members/${encodeURIComponent(m.id)}`);
      toast(`${m.name} removed`);
      await load();
    } catch (err) {
      toast(err.message, 'error');
    }
  }
  await load();
}

async function invites(body) {
  const email = h('input#invite-email', { type: 'email', name: 'email', placeholder: 'name@example.com (optional)', autocomplete: 'off' });
  const role = h('select#invite-role', { name: 'role' }, h('option', { value: 'member' }, 'member'), h('option', { value: 'admin' }, 'admin'));
  const error = h('p#invite-error.error-text', { role: 'alert' });
  const form = h('form.key-form', { 'aria-label': 'Invite someone' },
    h('div.field', h('label', { for: 'invite-email' }, 'Email'), email),
    h('div.field', h('label', { for: 'invite-role' }, 'Role'), role),
    h('button.primary', { type: 'submit' }, 'Create invite link'));
  const created = h('section.new-key', { hidden: true, 'aria-live': 'polite' });
  const list = h('tbody');
  replace(body, form, error, created, h('h2', 'Pending invites'), h('div.scroll.card', h('table.keys.invites',
    h('thead', h('tr', ['Email', 'Role', 'Expires'].map((t) => h('th', { scope: 'col' }, t)),
      h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
    list)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    try {
      const invite = await post('/api/workspace/invites', { role: role.value, ...(email.value.trim() ? { email: email.value.trim() } : {}) });
      showLink(invite);
      email.value = '';
      await load();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  function showLink(invite) {
    const link = h('code#invite-link', invite.url);
    const copy = h('button.small', { type: 'button' }, 'Copy link');
    copy.addEventListener('click', () => copyText(invite.url, link, copy));
    replace(created, h('h2', 'Invite link created'),
      h('p', 'Send this link to the person you invite; it works once and is not shown again.'),
      h('div.key-once', link, copy));
    created.hidden = false;
    copy.focus();
  }
  async function load() {
    const { invites: all } = await get('/api/workspace/invites');
    const pending = all.filter((i) => i.state === 'pending');
    replace(list, pending.length ? pending.map(row) : h('tr', h('td.empty', { colspan: 4 }, 'No pending invites.')));
  }
  function row(i) {
    const revoke = h('button.small.danger-outline', { type: 'button', 'aria-label': `Revoke the invite of ${i.email || 'anyone with the link'}` }, 'Revoke');
    revoke.addEventListener('click', async () => {
      try {
        await del(`/api/workspace/invites/${encodeURIComponent(i.id)}`);
        toast('Invite revoked');
        await load();
      } catch (err) {
        toast(err.message, 'error');
      }
    });
    return h('tr', { dataset: { id: i.id } }, h('td', i.email || h('span.muted', 'anyone with the link')), h('td', i.role),
      h('td', h('time', { datetime: i.expiresAt, title: i.expiresAt }, i.expiresAt.slice(0, 10))), h('td.end', revoke));
  }
  await load();
}

async function keys(body) {
  const list = h('tbody');
  replace(body, h('p.muted', 'Every API key of this workspace. Revoking one refuses its next request.'),
    h('div.scroll.card', h('table.keys.workspace-keys',
      h('thead', h('tr', ['Name', 'Owner', 'Key', 'Last used'].map((t) => h('th', { scope: 'col' }, t)),
        h('th', { scope: 'col' }, h('span.visually-hidden', 'Actions')))),
      list)));
  async function load() {
    const { keys: all } = await get('/api/keys?all=true');
    replace(list, all.length ? all.map(row) : h('tr', h('td.empty', { colspan: 5 }, 'No keys.')));
  }
  function row(k) {
    const revoke = !k.revokedAt && h('button.small.danger-outline', { type: 'button', 'aria-label': `Revoke key ${k.name} of ${k.owner.name}` }, 'Revoke');
    if (revoke) {
      revoke.addEventListener('click', async () => {
        const yes = await confirmAction({ title: 'Revoke this key?', danger: true, confirm: 'Revoke key',
          message: `“${k.name}” of ${k.owner.name} (${k.prefix}…) is refused from its next request on.` });
        if (!yes) return;
        try {
          await del(`/api/keys/${encodeURIComponent(k.id)}`);
          toast(`Key “${k.name}” revoked`);
          await load();
        } catch (err) {
          toast(err.message, 'error');
        }
      });
    }
    return h('tr', { dataset: { id: k.id }, class: k.revokedAt ? 'revoked' : null }, h('td', k.name), h('td', k.owner.name),
      h('td', h('code', `${k.prefix}…`)), h('td', k.lastUsedAt ? age(k.lastUsedAt) : h('span.muted', 'never')),
      h('td.end', revoke || h('span.badge.failed', 'revoked')));
  }
  await load();
}

async function audit(body) {
  const action = h('input#audit-action', { name: 'action', placeholder: 'e.g. session.create', list: 'audit-actions', autocomplete: 'off' });
  const actions = h('datalist#audit-actions', ['session.create', 'session.message', 'session.rename', 'session.interrupt', 'session.cancel',
    'session.retry', 'key.create', 'key.revoke', 'member.invite', 'member.invite_revoke', 'member.join', 'member.role', 'member.remove'].map((a) => h('option', { value: a })));
  const form = h('form.filters', { role: 'search', 'aria-label': 'Filter the audit log' },
    h('div.field', h('label', { for: 'audit-action' }, 'Action'), action, actions), h('button', { type: 'submit' }, 'Filter'));
  const list = h('tbody');
  const more = h('button#audit-more', { type: 'button', hidden: true }, 'Older entries');
  const error = h('p.error-text', { role: 'alert' });
  replace(body, form, error, h('div.scroll.card', h('table.keys.audit',
    h('thead', h('tr', ['When', 'Who', 'Action', 'Target', 'Detail'].map((t) => h('th', { scope: 'col' }, t)))), list)), more);
  let before = null;
  async function load(append) {
    const query = new URLSearchParams({ limit: '50' });
    if (action.value.trim()) query.set('action', action.value.trim());
    if (append && before) query.set('before', before);
    error.textContent = '';
    try {
      const page = await get(`/api/audit?${query}`);
      const rows = page.entries.map((e) => h('tr', { dataset: { id: e.id } },
        h('td', h('time', { datetime: e.at, title: e.at }, age(e.at))),
        h('td', e.actor.name, e.actor.apiKeyId ? h('span.muted', ' (API key)') : null),
        h('td', h('code', e.action)), h('td', e.target.type, ' ', h('code', e.target.id || '')), h('td', e.detail || '')));
      if (append) list.append(...rows);
      else replace(list, rows.length ? rows : h('tr', h('td.empty', { colspan: 5 }, 'No entries.')));
      before = page.nextBefore;
      more.hidden = !before;
    } catch (err) {
      error.textContent = err.message;
    }
  }
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    load(false);
  });
  more.addEventListener('click', () => load(true));
  await load(false);
}

async function github(body) {
  const status = h('div#github-status', { 'aria-live': 'polite' });
  const kind = h('select#github-kind', { name: 'kind' }, h('option', { value: 'token' }, 'Personal access token'), h('option', { value: 'app' }, 'GitHub App'));
  const field = (id, label, input) => h('div.field', { dataset: { for: id } }, h('label', { for: id }, label), input);
  const token = h('input#github-token', { type: 'password', autocomplete: 'off', name: 'token' });
  const appId = h('input#github-app-id', { name: 'appId', inputmode: 'numeric', autocomplete: 'off' });
  const privateKey = h('textarea#github-private-key', { name: 'privateKey', rows: 4, autocomplete: 'off' });
  const apiUrl = h('input#github-api-url', { name: 'apiUrl', placeholder: 'https://api.github.com', autocomplete: 'off' });
  const webhookSecret = h('input#github-webhook-secret', { type: 'password', name: 'webhookSecret', autocomplete: 'off' });
  const error = h('p#github-error.error-text', { role: 'alert' });
  const tested = h('p#github-test', { 'aria-live': 'polite' });
  const tokenFields = field('github-token', 'Token', token);
  const appFields = [field('github-app-id', 'App id', appId), field('github-private-key', 'Private key (PEM)', privateKey)];
  const form = h('form.github-form', { 'aria-label': 'GitHub integration' },
    field('github-kind', 'Connect with', kind), tokenFields, appFields, field('github-api-url', 'API URL (GitHub Enterprise)', apiUrl),
    field('github-webhook-secret', 'Webhook secret', webhookSecret),
    h('div.actions', h('button#github-test-button', { type: 'button' }, 'Test connection'), h('button.primary', { type: 'submit' }, 'Save')),
    error, tested);
  const showKind = () => {
    tokenFields.hidden = kind.value !== 'token';
    appFields.forEach((f) => { f.hidden = kind.value !== 'app'; });
  };
  kind.addEventListener('change', showKind);
  // The integration user: who comments, labels and checks by bots and automation (and the integration itself) act as.
  const integrationUser = h('select#github-integration-user', { name: 'userId' });
  const userError = h('p#github-integration-user-error.error-text', { role: 'alert' });
  const userForm = h('form.github-integration-user', { 'aria-label': 'Integration user' },
    h('h2', 'Integration user'),
    h('p.muted', 'Bots and automation on GitHub (GitHub Actions, Dependabot, the integration itself) act as this member. '
      + 'Without one they start nothing. People act as the member their GitHub login is linked to.'),
    field('github-integration-user', 'Act as', integrationUser),
    h('div.actions', h('button.primary', { type: 'submit' }, 'Save integration user')), userError);
  replace(body, status, form, userForm);
  showKind();
  async function showIntegrationUser() {
    const [{ members: all }, current] = await Promise.all([get('/api/workspace/members'), get('/api/github/integration-user')]);
    replace(integrationUser, h('option', { value: '' }, 'Nobody (bots start nothing)'),
      all.map((m) => h('option', { value: m.id, selected: m.id === current.userId }, `${m.name} (${m.email})`)));
  }
  userForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    userError.textContent = '';
    try {
      await put('/api/github/integration-user', { userId: integrationUser.value || null });
      toast('Integration user saved');
    } catch (err) {
      userError.textContent = err.message;
    }
  });
  await showIntegrationUser();

  async function show() {
    const current = await get('/api/github/integration');
    replace(status, current.configured
      ? h('p', 'Connected with ', h('strong', current.kind === 'app' ? `the GitHub App ${current.appId}` : 'a token'), ' at ', h('code', current.apiUrl),
        current.source === 'environment' ? h('span.muted', ' (set by the operator)') : null)
      : h('p.muted', 'Not connected: sessions can use git URLs, not GitHub repositories by name.'));
    if (current.configured) {
      kind.value = current.kind;
      apiUrl.value = current.apiUrl;
      showKind();
    }
  }
  function entered() {
    const settings = kind.value === 'app' ? { appId: appId.value.trim(), privateKey: privateKey.value } : { token: token.value.trim() };
    if (apiUrl.value.trim()) settings.apiUrl = apiUrl.value.trim();
    if (webhookSecret.value) settings.webhookSecret = webhookSecret.value;
    return settings;
  }
  // Test connection: the credentials typed in, or else the saved integration; GitHub is asked, nothing is stored.
  form.querySelector('#github-test-button').addEventListener('click', async () => {
    error.textContent = '';
    tested.textContent = 'Testing…';
    const typed = kind.value === 'app' ? appId.value.trim() || privateKey.value.trim() : token.value.trim();
    try {
      const result = await post('/api/github/integration/test', typed ? entered() : {});
      const count = `${result.repositories}${result.moreRepositories ? '+' : ''} ${result.repositories === 1 ? 'repository' : 'repositories'}`;
      replace(tested, h('span.ok', '✓ '), 'GitHub accepted ', result.kind === 'app' ? 'the App ' : 'the token of ', h('strong', result.account),
        `: ${count} reachable.`);
    } catch (err) {
      tested.textContent = '';
      error.textContent = err.message;
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    tested.textContent = '';
    const settings = entered();
    try {
      await put('/api/github/integration', settings);
      token.value = '';
      privateKey.value = '';
      webhookSecret.value = '';
      await show();
      toast('GitHub integration saved');
    } catch (err) {
      error.textContent = err.message;
    }
  });
  await show();
}

async function copyText(value, shown, button) {
  try {
    await navigator.clipboard.writeText(value);
    button.textContent = 'Copied';
  } catch {
    getSelection().selectAllChildren(shown);
    button.textContent = 'Press Ctrl+C to copy';
  }
}

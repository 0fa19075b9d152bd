// Settings → Environments: how sessions' sandboxes are prepared. The list, and a form to create or edit one (admins):
// image, scripts, preview port, variables, write-only secrets, the network policy of setup and agent, the setup
// cache, enabled and default. Members see the list and each environment read-only.
import { ApiError, del, get, patch, post } from './api.js';
import { confirmAction } from './dialog.js';
import { h, replace, toast } from './dom.js';
import { age } from './format.js';

const POLICIES = [
  ['none', 'Nothing'],
  ['registries', 'Package registries'],
  ['full', 'Any public host'],
  ['allow', 'Only these hosts'],
];

/** The environments list. */
export function environmentsPage(main, { me, navigate }) {
  const admin = me?.role === 'admin';
  const list = h('tbody');
  replace(main,
    h('div.page-head', h('h1', 'Environments'),
      admin ? h('a.button.primary', { href: '/environments/new', 'data-link': true }, 'New environment') : null),
    h('p.muted', 'An environment prepares a session\'s sandbox: its setup script, variables and secrets, and what it may reach on the network.'),
    h('div.scroll.card', h('table.environments',
      h('thead', h('tr', ['Name', 'Repository', 'Setup', 'Agent network', 'Changed'].map((t) => h('th', { scope: 'col' }, t)))),
      list)));
  document.title = 'Environments · Magnet';
  get('/api/environments').then(({ environments }) => {
    replace(list, environments.length ? environments.map((e) => h('tr', { dataset: { id: e.id } },
      h('td', h('a', { href: `/environments/${e.id}`, 'data-link': true }, e.name),
        e.default ? h('span.badge.active', 'default') : null, e.enabled ? null : h('span.badge.failed', 'disabled')),
      h('td', e.repo || h('span.muted', '—')),
      h('td', e.setupScript ? h('code', firstLine(e.setupScript)) : h('span.muted', 'none')),
      h('td', policyText(e.network.agent)),
      h('td', h('time', { datetime: e.updatedAt, title: e.updatedAt }, age(e.updatedAt)))))
      : h('tr', h('td.empty', { colspan: 5 }, admin ? 'No environments yet: create one to install dependencies before the agent starts.' : 'No environments yet.')));
  }).catch((err) => toast(err.message, 'error'));
  return () => {};
}

/** The form of one environment: `id` null for a new one. */
export function environmentPage(main, { id, me, navigate }) {
  const admin = me?.role === 'admin';
  const error = h('p#env-error.error-text', { role: 'alert' });
  const field = (name, label, control, hint) => h('div.field', h('label', { for: name }, label), control,
    hint ? h('p.hint', hint) : null);
  const input = (name, attrs) => h(`input#${name}`, { name, autocomplete: 'off', spellcheck: 'false', disabled: !admin, ...attrs });
  const area = (name, attrs) => h(`textarea#${name}.code`, { name, spellcheck: 'false', disabled: !admin, ...attrs });
  const secretsList = h('ul.secret-names');
  const form = h('form.environment', { 'aria-labelledby': 'env-title', novalidate: true },
    field('name', 'Name', input('name', { required: true, maxlength: 100 })),
    h('div.row',
      h('div.grow', field('repo', 'Repository', input('repo', { placeholder: 'owner/name or git URL' }), 'Sessions of this environment start here unless they name another.')),
      field('branch', 'Branch', input('branch', { placeholder: 'default branch' }))),
    h('div.row',
      field('image', 'Image', input('image', { placeholder: 'host (or default, or an image the operator added)' })),
      field('previewPort', 'Preview port', input('previewPort', { type: 'number', min: 1, max: 65535 })),
      field('checkFollowUps', 'Check follow-ups', input('checkFollowUps', { type: 'number', min: 0, max: 20, placeholder: 'server default' }),
        'Failed checks on a pull request that become follow-ups, per pull request (0: none).')),
    field('setupScript', 'Setup script', area('setupScript', { rows: 6, placeholder: 'python3 -m venv ~/venv\n~/venv/bin/pip install -r requirements.txt' }),
      'Runs after the clone, before the agent, with bash -eo pipefail. Empty: the repository\'s .magnet/setup.sh, if any.'),
    field('runScript', 'Run script', area('runScript', { rows: 2, placeholder: 'npm run dev' }), 'Kept running in the background while the agent works.'),
    field('env', 'Variables', area('env', { rows: 4, placeholder: 'NAME=value' }), 'One NAME=value a line.'),
    h('fieldset.secrets', h('legend', 'Secrets'),
      h('p.hint', 'Write-only: Magnet keeps them encrypted and shows them nowhere, not even here. They are redacted from everything the session shows.'),
      secretsList,
      admin ? field('newSecrets', 'Add or replace', area('newSecrets', { rows: 2, placeholder: 'NAME=value' })) : null),
    h('div.row', policyPicker('setup', 'Setup may reach', admin), policyPicker('agent', 'The agent may reach', admin)),
    h('div.row',
      field('cacheKey', 'Setup cache', h('select#cacheKey', { name: 'cacheKey', disabled: !admin },
        h('option', { value: '' }, 'No cache'), h('option', { value: 'commit' }, 'By base commit'),
        h('option', { value: 'files' }, 'By the files below'))),
      h('div.grow', field('cacheFiles', 'Cache files', input('cacheFiles', { placeholder: 'package-lock.json, requirements.txt' })))),
    h('div.row.checks',
      h('label', h('input#enabled', { type: 'checkbox', name: 'enabled', checked: true, disabled: !admin }), ' Enabled'),
      h('label', h('input#default', { type: 'checkbox', name: 'default', disabled: !admin }), ' Default for new sessions')),
    error,
    admin ? h('div.actions',
      id ? h('button#delete-env.danger-outline', { type: 'button', onclick: remove }, 'Delete') : null,
      h('a.button', { href: '/environments', 'data-link': true }, 'Cancel'),
      h('button.primary', { type: 'submit' }, id ? 'Save' : 'Create environment')) : null);
  let current = null;
  const removed = new Set();

  replace(main, h('div.page-head', h('h1#env-title', id ? 'Environment' : 'New environment')), form);
  document.title = `${id ? 'Environment' : 'New environment'} · Magnet`;
  form.addEventListener('change', (e) => {
    if (e.target.name?.endsWith('-policy')) showAllow(e.target.name.replace('-policy', ''));
  });
  form.addEventListener('submit', save);
  if (id) {
    get(`/api/environments/${encodeURIComponent(id)}`).then(fill).catch((err) => {
      replace(main, h('div.empty', h('h1', 'Environment not found'), h('p', err.message),
        h('a', { href: '/environments', 'data-link': true }, 'Back to environments')));
    });
  } else {
    showAllow('setup');
    showAllow('agent');
    form.elements['setup-policy'].value = 'registries';
    form.elements['agent-policy'].value = 'none';
    form.elements.name.focus();
  }
  return () => {};

  function fill(e) {
    current = e;
    const f = form.elements;
    f.name.value = e.name;
    f.repo.value = e.repo || '';
    f.branch.value = e.branch || '';
    f.image.value = e.image || '';
    f.previewPort.value = e.previewPort ?? '';
    f.checkFollowUps.value = e.checkFollowUps ?? '';
    f.setupScript.value = e.setupScript || '';
    f.runScript.value = e.runScript || '';
    f.env.value = Object.entries(e.env).map(([k, v]) => `${k}=${v}`).join('\n');
    f.enabled.checked = e.enabled;
    f.default.checked = e.default;
    f.cacheKey.value = e.cache?.key || '';
    f.cacheFiles.value = (e.cache?.files || []).join(', ');
    for (const phase of ['setup', 'agent']) setPolicy(phase, e.network[phase]);
    renderSecrets();
    document.querySelector('#env-title').textContent = e.name;
    document.title = `${e.name} · Magnet`;
  }

  function renderSecrets() {
    const names = (current?.secrets || []).filter((n) => !removed.has(n));
    replace(secretsList, names.length ? names.map((n) => h('li', h('code', n), ' ', h('span.muted', '••••••••'),
      admin ? h('button.small.link', { type: 'button', 'aria-label': `Remove secret ${n}`, onclick: () => { removed.add(n); renderSecrets(); } }, 'Remove') : null))
      : h('li.muted', 'No secrets.'));
  }

  function setPolicy(phase, policy) {
    const f = form.elements;
    if (typeof policy === 'string') {
      f[`${phase}-policy`].value = policy;
    } else {
      f[`${phase}-policy`].value = 'allow';
      f[`${phase}-hosts`].value = policy.allow.join('\n');
      f[`${phase}-methods`].value = (policy.methods || []).join(', ');
    }
    showAllow(phase);
  }

  function showAllow(phase) {
    form.querySelector(`.allow-${phase}`).hidden = form.elements[`${phase}-policy`].value !== 'allow';
  }

  function policyOf(phase) {
    const f = form.elements;
    const kind = f[`${phase}-policy`].value;
    if (kind !== 'allow') return kind;
    const policy = { allow: lines(f[`${phase}-hosts`].value) };
    const methods = f[`${phase}-methods`].value.split(',').map((m) => m.trim().toUpperCase()).filter(Boolean);
    if (methods.length) policy.methods = methods;
    return policy;
  }

  async function save(e) {
    e.preventDefault();
    error.textContent = '';
    form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    const f = form.elements;
    let env;
    let secrets;
    try {
      env = pairs(f.env.value, 'env');
      secrets = pairs(f.newSecrets?.value || '', 'secrets');
    } catch (err) {
      return invalid(err.field, err.message);
    }
    for (const name of removed) if (!(name in secrets)) secrets[name] = null;
    const body = {
      name: f.name.value.trim(),
      repo: f.repo.value.trim() || null,
      branch: f.branch.value.trim() || null,
      image: f.image.value.trim() || null,
      previewPort: f.previewPort.value ? Number(f.previewPort.value) : null,
      checkFollowUps: f.checkFollowUps.value !== '' ? Number(f.checkFollowUps.value) : null,
      setupScript: f.setupScript.value.trim() ? f.setupScript.value : null,
      runScript: f.runScript.value.trim() ? f.runScript.value : null,
      env,
      network: { setup: policyOf('setup'), agent: policyOf('agent') },
      cache: f.cacheKey.value === 'commit' ? { key: 'commit' }
        : f.cacheKey.value === 'files' ? { key: 'files', files: f.cacheFiles.value.split(',').map((s) => s.trim()).filter(Boolean) } : null,
      enabled: f.enabled.checked,
      default: f.default.checked,
    };
    if (Object.keys(secrets).length) body.secrets = secrets;
    try {
      const saved = id ? await patch(`/api/environments/${encodeURIComponent(id)}`, body) : await post('/api/environments', body);
      toast(id ? `Environment “${saved.name}” saved` : `Environment “${saved.name}” created`);
      navigate('/environments');
    } catch (err) {
      invalid(err instanceof ApiError ? err.field : null, err.message);
    }
  }

  async function remove() {
    const yes = await confirmAction({ title: 'Delete this environment?', danger: true, confirm: 'Delete environment',
      message: `“${current?.name}” and its secrets are deleted. Sessions that ran in it keep their history.` });
    if (!yes) return;
    try {
      await del(`/api/environments/${encodeURIComponent(id)}`);
      toast(`Environment “${current?.name}” deleted`);
      navigate('/environments');
    } catch (err) {
      error.textContent = err.message;
    }
  }

  function invalid(name, message) {
    error.textContent = message;
    const target = { network: 'agent-policy', cache: 'cacheKey', secrets: 'newSecrets' }[name] || name;
    const el = target && form.elements[target];
    if (el && el.focus) {
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-errormessage', 'env-error');
      el.focus();
    }
  }
}

function policyPicker(phase, label, admin) {
  return h('fieldset.grow.policy', h('legend', label),
    h('select', { id: `${phase}-policy`, name: `${phase}-policy`, 'aria-label': label, disabled: !admin },
      POLICIES.map(([value, text]) => h('option', { value }, text))),
    h(`div.allow-${phase}`, { hidden: true },
      h('label', { for: `${phase}-hosts` }, 'Hosts (one a line: host, host:port or *.domain)'),
      h('textarea.code', { id: `${phase}-hosts`, name: `${phase}-hosts`, rows: 3, disabled: !admin }),
      h('label', { for: `${phase}-methods` }, 'HTTP methods (empty: all)'),
      h('input', { id: `${phase}-methods`, name: `${phase}-methods`, placeholder: 'GET, HEAD', disabled: !admin })));
}

/** NAME=value lines to an object; a line without '=' is an error naming the field. */
function pairs(text, field) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq < 1) {
      const err = new Error(`“${line.trim()}” is not NAME=value`);
      err.field = field;
      throw err;
    }
    out[line.slice(0, eq).trim()] = line.slice(eq + 1);
  }
  return out;
}

function lines(text) {
  return text.split('\n').map((s) => s.trim()).filter(Boolean);
}

function firstLine(text) {
  const line = text.split('\n')[0];
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

/** A network policy for people. */
export function policyText(policy) {
  if (typeof policy === 'string') return Object.fromEntries(POLICIES)[policy] || policy;
  return `only ${policy.allow.join(', ')}${policy.methods ? ` (${policy.methods.join(', ')})` : ''}`;
}

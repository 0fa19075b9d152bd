// The new-session form: prompt, repository (type-ahead over the GitHub integration's repositories, else those Magnet has seen), base
// branch, model and environment. Submitting opens the session page at once.
import { get, post, ApiError } from './api.js';
import { h, replace } from './dom.js';

const MODELS = ['claude-opus-4-6', 'claude-sonnet-4-5', 'claude-haiku-4-5', 'opus', 'sonnet', 'haiku'];

/** Renders the form into `main`. */
export function newSessionPage(main, { navigate }) {
  const error = h('p.error-text', { role: 'alert' });
  const input = (id, attrs) => h(`input#${id}`, { name: id, autocomplete: 'off', spellcheck: 'false', ...attrs });
  const prompt = h('textarea#prompt', { name: 'prompt', rows: 8, required: true, placeholder: 'What should the agent do? Markdown is fine.' });
  const submit = h('button.primary', { type: 'submit' }, 'Start session');
  const form = h('form.new-session', { 'aria-labelledby': 'new-title', novalidate: true },
    h('div.field', h('label', { for: 'prompt' }, 'Prompt'), prompt,
      h('p.hint', 'Ctrl+Enter starts the session.')),
    h('div.row',
      h('div.field.grow', h('label', { for: 'repo' }, 'Repository'),
        input('repo', { list: 'repo-list', placeholder: 'owner/name, git URL or local path' }),
        h('datalist#repo-list'), h('p#repo-hint.hint', 'Empty: the agent starts in a fresh, empty repository.')),
      h('div.field', h('label', { for: 'baseBranch' }, 'Base branch'), input('baseBranch', { placeholder: 'default branch' }))),
    h('div.row',
      h('div.field', h('label', { for: 'model' }, 'Model'), input('model', { list: 'model-list', placeholder: 'server default' }),
        h('datalist#model-list', MODELS.map((m) => h('option', { value: m })))),
      h('div.field', h('label', { for: 'environmentId' }, 'Environment'),
        h('select#environmentId', { name: 'environmentId' }, h('option', { value: '' }, 'None')),
        h('p.hint', h('a', { href: '/environments', 'data-link': true }, 'Manage environments')))),
    error,
    h('div.actions', h('a.button', { href: '/', 'data-link': true }, 'Cancel'), submit));

  prompt.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    form.querySelectorAll('[aria-invalid]').forEach((el) => el.removeAttribute('aria-invalid'));
    const body = {};
    for (const name of ['prompt', 'repo', 'baseBranch', 'model', 'environmentId']) {
      const value = form.elements[name].value.trim();
      if (value) body[name] = name === 'prompt' ? form.elements[name].value : value;
    }
    if (!body.prompt) {
      return invalid('prompt', 'Say what the agent should do.');
    }
    submit.disabled = true;
    try {
      const { session } = await post('/api/sessions', body);
      navigate(`/sessions/${session.id}`);
    } catch (err) {
      submit.disabled = false;
      invalid(err instanceof ApiError ? err.field : null, err.message);
    }
  });

  function invalid(field, message) {
    error.textContent = message;
    const el = field && form.elements[field === 'initialMessage' ? 'prompt' : field === 'repoUrl' ? 'repo' : field];
    if (el) {
      el.setAttribute('aria-invalid', 'true');
      el.setAttribute('aria-errormessage', 'form-error');
      el.focus();
    }
  }
  error.id = 'form-error';

  replace(main, h('div.page-head', h('h1#new-title', 'New session')), form);
  document.title = 'New session · Magnet';
  prompt.focus();
  get('/api/environments').then(({ environments }) => {
    const usable = environments.filter((e) => e.enabled);
    const select = form.elements.environmentId;
    const fallback = usable.find((e) => e.default);
    replace(select, fallback ? null : h('option', { value: '' }, 'None'),
      usable.map((e) => h('option', { value: e.id, selected: e.default }, e.default ? `${e.name} (default)` : e.name)));
  }).catch(() => {});
  repoPicker(form);
  return () => {};
}

/**
 * The repository type-ahead: the repositories the workspace's GitHub integration reaches (GET /api/github/repositories,
 * asked again with what is typed when there are more than one page or more than the server lists, which then looks up a
 * name typed in full), else the repositories used before (GET /api/repos).
 * Picking one shows its default branch as the base branch's placeholder.
 */
function repoPicker(form) {
  const list = form.querySelector('#repo-list');
  const hint = form.querySelector('#repo-hint');
  const repo = form.elements.repo;
  const branches = new Map();
  let more = false;
  let timer = null;
  const show = (repos) => {
    repos.forEach((r) => branches.set(r.fullName, r.defaultBranch));
    replace(list, repos.map((r) => h('option', { value: r.fullName }, r.private ? 'private' : 'public')));
  };
  const ask = (q) => get(`/api/github/repositories?perPage=100${q ? `&q=${encodeURIComponent(q)}` : ''}`);
  ask('').then((page) => {
    if (!page.configured || page.error) throw new Error(page.error || 'no GitHub integration');
    // why: past the first 1,000 the server lists no more, but looks up a repository typed in full (owner/name)
    more = page.nextPage !== null || page.complete === false;
    show(page.repositories);
    hint.textContent = page.complete === false
      ? `The first ${page.total} repositories of the GitHub integration (type owner/name for any other); or a git URL. Empty: a fresh, empty repository.`
      : `${page.total} ${page.total === 1 ? 'repository' : 'repositories'} of the GitHub integration; or a git URL. Empty: a fresh, empty repository.`;
  }).catch(() => get('/api/repos').then((r) => replace(list, r.repos.map((name) => h('option', { value: name })))).catch(() => {}));
  repo.addEventListener('input', () => {
    const branch = branches.get(repo.value.trim());
    form.elements.baseBranch.placeholder = branch ? `${branch} (default branch)` : 'default branch';
    if (!more) return;
    clearTimeout(timer);
    timer = setTimeout(() => ask(repo.value.trim()).then((page) => show(page.repositories)).catch(() => {}), 250);
  });
}

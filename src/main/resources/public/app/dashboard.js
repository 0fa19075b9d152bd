// The dashboard: team figures, filters, and the sessions newest first, kept up to date while the page is open: the
// workspace's event stream says when sessions changed and the list is read again then (and once a minute, for the ages).
import { get } from './api.js';
import { h, replace } from './dom.js';
import { age, usd, repoName } from './format.js';
import { statusBadge } from './session.js';

const FALLBACK_MS = 60000;
const PAGE = 50;

/** Renders the dashboard into `main`. Returns a cleanup function. */
export function dashboardPage(main) {
  const params = new URLSearchParams(location.search);
  const filters = { status: params.get('status') || '', repo: params.get('repo') || '', author: params.get('author') || '', q: params.get('q') || '' };
  let limit = PAGE;
  let timer = null;
  let stopped = false;
  const stats = h('section.stats', { 'aria-label': 'This week' });
  const list = h('ol.session-list', { 'aria-label': 'Sessions' });
  const more = h('button.link', { type: 'button', hidden: true, onclick: () => { limit = Math.min(limit + PAGE, 200); load(); } }, 'Show more');
  const repos = h('datalist#repo-options');
  const field = (name, label, control) => h('div.field', h('label', { for: `filter-${name}` }, label), control);
  const status = h('select#filter-status', { name: 'status' },
    ['', 'active', 'completed', 'failed'].map((v) => h('option', { value: v, selected: filters.status === v }, v || 'Any status')));
  const form = h('form.filters', { role: 'search', 'aria-label': 'Filter sessions' },
    field('status', 'Status', status),
    field('repo', 'Repository', h('input#filter-repo', { name: 'repo', list: 'repo-options', value: filters.repo, placeholder: 'Any repository' })),
    field('author', 'Author', h('input#filter-author', { name: 'author', value: filters.author, placeholder: 'Anyone' })),
    field('q', 'Search', h('input#filter-q', { name: 'q', type: 'search', value: filters.q, placeholder: 'Title or prompt' })),
    repos);
  let debounce = null;
  form.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(apply, 250);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });

  function apply() {
    for (const key of Object.keys(filters)) filters[key] = form.elements[key].value.trim();
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    history.replaceState(null, '', query.size ? `/?${query}` : '/');
    load();
  }

  async function load() {
    clearTimeout(timer);
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v));
    query.set('limit', String(limit));
    try {
      const page = await get(`/api/sessions?${query}`);
      if (stopped) return;
      renderStats(stats, page.stats);
      renderRows(list, page.sessions, filters);
      more.hidden = !page.nextCursor || limit >= 200;
    } catch (e) {
      if (!stopped) replace(list, h('li.empty', e.message));
    }
    if (!stopped) timer = setTimeout(load, FALLBACK_MS);
  }

  replace(main,
    h('div.page-head', h('h1', 'Sessions'), h('a.button.primary', { href: '/new', 'data-link': true }, 'New session')),
    stats, form, list, more);
  document.title = 'Sessions · Magnet';
  load();
  get('/api/repos').then((r) => replace(repos, r.repos.map((repo) => h('option', { value: repo })))).catch(() => {});
  const changes = new EventSource('/api/workspace/events');
  const soon = () => {
    clearTimeout(timer);
    if (!stopped) timer = setTimeout(load, 50);
  };
  changes.addEventListener('sessions', soon);
  // why: after a reconnect, changes made while the stream was down are read at once (the first open follows the first load)
  let opened = false;
  changes.addEventListener('open', () => {
    if (opened) soon();
    opened = true;
  });
  return () => {
    stopped = true;
    changes.close();
    clearTimeout(timer);
  };
}

function renderStats(box, s) {
  const card = (n, label, cls) => h('div.stat-card', { class: cls }, h('span.value', String(n ?? 0)), h('span.label', label));
  replace(box,
    card(s.humansPromptingNow, 'people prompting now', s.humansPromptingNow ? 'live' : null),
    card(s.sessionsPastWeek, 'sessions this week'),
    card(s.mergesPastWeek, 'PRs merged this week'),
    card(s.humansPastWeek, 'people this week'));
}

function renderRows(list, sessions, filters) {
  if (!sessions.length) {
    const filtered = Object.values(filters).some(Boolean);
    replace(list, h('li.empty', filtered ? 'No session matches these filters.' : 'No sessions yet. Start one with “New session”.'));
    return;
  }
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const rows = sessions.map((s) => {
    const key = [s.updatedAt, s.status, s.phase, s.queuePosition, s.cost?.usd, s.pr?.state, s.title, age(s.createdAt)].join('|');
    const old = existing.get(s.id);
    if (old && old.dataset.key === key) return old;
    return row(s, key);
  });
  // keep rows that did not change (and the focus inside them); only move or replace what did
  rows.forEach((r, i) => {
    if (list.children[i] !== r) list.insertBefore(r, list.children[i] ?? null);
  });
  while (list.children.length > rows.length) list.lastChild.remove();
}

function row(s, key) {
  return h('li.session-row', { dataset: { id: s.id, key, status: s.status } },
    h('a.title', { href: `/sessions/${s.id}`, 'data-link': true }, s.title),
    statusBadge(s),
    h('span.repo', { title: s.repo || '' }, repoName(s.repo), h('code.branch', s.branch)),
    h('span.author', s.author?.name),
    h('time.age', { datetime: s.createdAt, title: new Date(s.createdAt).toLocaleString() }, age(s.createdAt)),
    h('span.cost', usd(s.cost?.usd ?? 0)),
    s.pr ? h('a.pr', { href: s.pr.url, target: '_blank', rel: 'noopener noreferrer' }, `#${s.pr.number} `, h('span.badge', { class: `pr-${s.pr.state}` }, s.pr.state))
      : h('span.pr.muted', 'no PR'));
}

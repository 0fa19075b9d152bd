// The session page: header, phase timeline, the live conversation, the agent's task list, the message box
// with interrupt and cancel, the failure panel with Retry, the Changes tab with the session's diff, and the Preview tab.
import { get, post, ApiError } from './api.js';
import { h, replace, toast } from './dom.js';
import { age, usd, words, repoName, count } from './format.js';
import { follow } from './stream.js';
import { Timeline } from './timeline.js';
import { Conversation } from './conversation.js';
import { confirmAction } from './dialog.js';
import { renderDiffView } from './diff-view.js';
import { SessionEnvironment } from './session-environment.js';
import { PreviewPanel } from './preview.js';

/** Renders the session page into `main`; `tab` is "conversation", "diff" or "preview". Returns a cleanup function. */
export function sessionPage(main, { id, tab, navigate, me }) {
  const page = new SessionPage(main, id, tab, navigate, me);
  page.start();
  return () => page.stop();
}

class SessionPage {
  constructor(main, id, tab, navigate, me) {
    this.me = me;
    this.main = main;
    this.id = id;
    this.tab = tab;
    this.navigate = navigate;
    this.session = null;
    this.stream = null;
    this.timeline = new Timeline();
    this.head = h('header.session-head');
    this.tasks = h('aside.tasks', { 'aria-label': 'Task list' });
    this.failure = h('div.failure-slot');
    this.composer = h('div.composer-slot');
    this.connection = h('span.connection', { role: 'status' });
    this.conversation = new Conversation({
      onTodo: (items) => this.renderTasks(items),
      onStatus: (d, e) => this.onStatus(d, e),
      onPr: (pr) => { this.session.pr = { number: pr.number, url: pr.url, state: pr.state }; this.renderHead(); },
    });
  }

  async start() {
    replace(this.main, h('p.loading', 'Loading session…'));
    try {
      ({ session: this.session } = await get(`/api/sessions/${encodeURIComponent(this.id)}`));
    } catch (e) {
      replace(this.main, h('div.empty', h('h1', 'Session not found'), h('p', e.message), h('a', { href: '/', 'data-link': true }, 'Back to sessions')));
      return;
    }
    document.title = `${this.session.title} · Magnet`;
    this.timeline.set(this.session.phases || [], this.session.status);
    this.renderHead();
    this.renderTasks(this.session.tasks || []);
    const tabs = h('nav.tabs', { 'aria-label': 'Session views' },
      h('a', { href: `/sessions/${this.id}`, 'data-link': true, 'aria-current': this.tab === 'conversation' ? 'page' : null }, 'Conversation'),
      h('a', { href: `/sessions/${this.id}/diff`, 'data-link': true, 'aria-current': this.tab === 'diff' ? 'page' : null }, 'Changes'),
      this.session.environmentId ? h('a', { href: `/sessions/${this.id}/preview`, 'data-link': true, 'aria-current': this.tab === 'preview' ? 'page' : null }, 'Preview') : null);
    if (this.tab === 'preview') {
      this.preview = new PreviewPanel(this.session, (fresh) => {
        this.session = fresh;
        this.timeline.set(fresh.phases || [], fresh.status);
        this.renderHead();
      });
      replace(this.main, this.head, tabs, this.preview.el);
      this.preview.begin();
      return;
    }
    if (this.tab === 'diff') {
      const body = h('div.diff-page');
      replace(this.main, this.head, tabs, body);
      renderDiffView(body, this.session);
      return;
    }
    this.environment = new SessionEnvironment({ session: this.session, me: this.me });
    replace(this.main, this.head, tabs, this.timeline.el, this.environment.el,
      h('div.session-grid',
        h('div.session-main', this.conversation.el, this.failure, this.composer),
        this.tasks));
    this.renderComposer();
    this.renderFailure();
    this.follow(0);
  }

  stop() {
    this.stream?.stop();
    this.preview?.stop();
    this.timeline.stop();
  }

  follow(after) {
    this.stream?.stop();
    let pendingScroll = false;
    this.stream = follow(this.id, {
      after,
      onEvent: (event) => {
        const stick = window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 160;
        if (!this.environment?.handle(event)) this.conversation.handle(event);
        if (event.type === 'turn_result' && event.data.costUsd != null) {
          this.session.cost = { ...this.session.cost, usd: event.data.costUsd };
          this.renderHead();
        }
        if (stick && !pendingScroll) {
          pendingScroll = true;
          requestAnimationFrame(() => {
            pendingScroll = false;
            window.scrollTo({ top: document.documentElement.scrollHeight });
          });
        }
      },
      onEnd: () => this.refresh(),
      onState: (state) => {
        this.connection.textContent = state === 'reconnecting' ? 'Reconnecting…' : state === 'live' ? 'Live' : '';
        this.connection.className = `connection ${state}`;
      },
    });
  }

  async refresh() {
    try {
      const { session: fresh } = await get(`/api/sessions/${encodeURIComponent(this.id)}`);
      this.session = fresh;
      this.timeline.set(fresh.phases || [], fresh.status);
      this.renderHead();
      this.renderFailure();
      this.renderComposer();
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  onStatus(d, event) {
    this.session.status = d.status;
    this.session.phase = d.phase;
    if (d.failure) this.session.failure = d.failure;
    this.timeline.add({ status: d.status, phase: d.phase, reason: d.reason, at: event.at });
    this.renderHead();
    this.renderComposer();
    if (d.status === 'failed') this.renderFailure();
  }

  renderHead() {
    const s = this.session;
    replace(this.head,
      h('div.title-row',
        h('h1', s.title),
        statusBadge(s),
        this.connection),
      h('dl.facts',
        fact('Repository', s.repo ? h('span', { title: s.repo }, repoName(s.repo)) : 'empty workspace'),
        fact('Branch', h('span.branch', s.baseBranch ? `${s.baseBranch} ← ` : '', h('code', s.branch))),
        fact('Model', s.model),
        fact('Author', s.author?.name),
        fact('Started', h('time', { datetime: s.createdAt, title: new Date(s.createdAt).toLocaleString() }, age(s.createdAt))),
        fact('Cost', s.cost ? `${usd(s.cost.usd)}${s.cost.outputTokens ? ` · ${count(s.cost.outputTokens)} out tokens` : ''}` : '—'),
        s.pr ? fact('Pull request', h('a', { href: s.pr.url, target: '_blank', rel: 'noopener noreferrer' }, `#${s.pr.number}`),
          ' ', h('span.badge', { class: `pr-${s.pr.state}` }, s.pr.state)) : null,
        s.pr && s.checks?.length ? fact('Checks', h('span.checks', s.checks.map((c) => h('a.badge', {
          class: c.conclusion === 'success' ? 'completed' : c.conclusion ? 'failed' : 'active',
          href: c.url || s.pr.url, target: '_blank', rel: 'noopener noreferrer', title: `${c.name}: ${c.conclusion || c.status}`,
        }, `${c.name}: ${c.conclusion || c.status}`)))) : null,
        s.retryOf ? fact('Retry of', h('a', { href: `/sessions/${s.retryOf}`, 'data-link': true }, 'failed session')) : null));
  }

  renderTasks(items) {
    if (!items.length) {
      replace(this.tasks, h('h2', 'Tasks'), h('p.muted', 'The agent has not made a task list.'));
      return;
    }
    const done = items.filter((t) => t.status === 'completed').length;
    const bar = h('div.progress', { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': items.length, 'aria-valuenow': done },
      h('span'));
    bar.firstChild.style.width = `${Math.round((done / items.length) * 100)}%`;
    replace(this.tasks, h('h2', `Tasks `, h('span.muted', `${done}/${items.length}`)), bar,
      h('ul.task-list', items.map((t) => h('li', { class: t.status },
        h('span.check', { 'aria-hidden': 'true' }, t.status === 'completed' ? '✓' : t.status === 'in_progress' ? '◐' : '○'),
        h('span', t.title), h('span.visually-hidden', ` (${words(t.status)})`)))));
  }

  renderComposer() {
    const s = this.session;
    if (this.tab !== 'conversation') return;
    if (s.status === 'failed') {
      replace(this.composer);
      return;
    }
    if (this.composer.dataset.status === s.status && this.composer.firstChild) return;
    this.composer.dataset.status = s.status;
    const input = h('textarea#message', { rows: 2, placeholder: s.status === 'active' ? 'Message the agent while it works… (Ctrl+Enter sends)' : 'Ask for more changes… (Ctrl+Enter sends)', required: true });
    const send = h('button.primary', { type: 'submit' }, 'Send');
    const form = h('form.composer', { 'aria-label': 'Send a message' },
      h('label.visually-hidden', { for: 'message' }, 'Message'),
      input,
      h('div.actions',
        s.status === 'active' ? h('button', { type: 'button', onclick: () => this.interrupt() }, 'Interrupt') : null,
        s.status === 'active' ? h('button.danger-outline', { type: 'button', onclick: () => this.cancel() }, 'Cancel session') : null,
        send));
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      send.disabled = true;
      try {
        await post(`/api/sessions/${encodeURIComponent(this.id)}/messages`, { text });
        input.value = '';
        if (this.session.status !== 'active') {
          this.session.status = 'active';
          this.follow(this.stream?.lastSeq ?? 0);
        }
      } catch (err) {
        toast(err.message, 'error');
      } finally {
        send.disabled = false;
        input.focus();
      }
    });
    replace(this.composer, form);
  }

  async interrupt() {
    if (!await confirmAction({ title: 'Interrupt the agent?', message: 'It stops what it is doing now and waits for your next message.', confirm: 'Interrupt' })) return;
    try {
      await post(`/api/sessions/${encodeURIComponent(this.id)}/interrupt`);
      toast('Interrupt sent');
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  async cancel() {
    if (!await confirmAction({ title: 'Cancel this session?', message: 'The sandbox is torn down and the session fails as cancelled. Its history stays readable.', confirm: 'Cancel session', danger: true })) return;
    try {
      await post(`/api/sessions/${encodeURIComponent(this.id)}/cancel`);
    } catch (e) {
      toast(e.message, 'error');
    }
  }

  renderFailure() {
    const s = this.session;
    if (s.status !== 'failed' || !s.failure) {
      replace(this.failure);
      return;
    }
    // the same failure is reported by the status event and again by the refresh after the stream ends:
    // keep the panel (and a Retry form the user may have opened)
    if (this.failure.dataset.reason === s.failure.reason && this.failure.firstChild) return;
    this.failure.dataset.reason = s.failure.reason;
    const retry = h('button.primary', { type: 'button' }, 'Retry…');
    const panel = h('section.failure', { role: 'alert', 'aria-labelledby': 'failure-title' },
      h('h2#failure-title', 'Session failed'),
      h('dl.facts',
        fact('Phase', words(s.failure.phase)),
        fact('Reason', h('code', s.failure.reason))),
      h('p.failure-message', s.failure.message),
      h('div.actions', retry));
    retry.addEventListener('click', () => {
      retry.remove();
      panel.append(this.retryForm());
      const prompt = panel.querySelector('textarea');
      prompt.focus();
      prompt.setSelectionRange(prompt.value.length, prompt.value.length);
    });
    replace(this.failure, panel);
  }

  retryForm() {
    const prompt = h('textarea#retry-prompt', { rows: 6, required: true }, this.session.prompt);
    const form = h('form.retry',
      h('label', { for: 'retry-prompt' }, 'Prompt for the new session (edit it first if you like)'),
      prompt,
      h('div.actions', h('button.primary', { type: 'submit' }, 'Start new session')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const { session: created } = await post(`/api/sessions/${encodeURIComponent(this.id)}/retry`, { prompt: prompt.value });
        this.navigate(`/sessions/${created.id}`);
      } catch (err) {
        toast(err instanceof ApiError ? err.message : String(err), 'error');
      }
    });
    return form;
  }
}

/** A status badge that names the live phase while active, e.g. "active · running" or "active · queued, 3rd". */
export function statusBadge(s) {
  const place = s.queuePosition ? `, ${ordinal(s.queuePosition)}` : '';
  const label = s.status === 'active' ? `${s.status} · ${words(s.phase)}${place}` : s.status;
  return h('span.badge.status', { class: s.status, dataset: { status: s.status } }, label);
}

/** 1 → "1st", 2 → "2nd", 13 → "13th". */
function ordinal(n) {
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' })[n % 10] || 'th';
  return `${n}${suffix}`;
}

function fact(term, ...value) {
  return h('div', h('dt', term), h('dd', value));
}

// The Preview tab: the app the environment's run script serves, in a frame of its own origin (the preview proxy; a
// one-time link sets a cookie of that origin only), with reload, open in a new tab, the run script's state and the
// last lines of its output. On a session that does not run, "Start preview" starts a sandbox with only the run script.
import { get, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { follow } from './stream.js';

const TAIL_LINES = 40;
const POLL_MS = 1500;

export class PreviewPanel {
  /** `onSession(session)` is told each fresh read of the session (the page's header shows it). */
  constructor(session, onSession = () => {}) {
    this.session = session;
    this.onSession = onSession;
    this.lines = [];
    this.state = h('span.preview-state', { role: 'status' });
    this.frame = h('iframe.preview-frame', {
      title: 'Preview of the app',
      sandbox: 'allow-scripts allow-forms allow-same-origin allow-popups allow-modals allow-downloads',
      referrerpolicy: 'no-referrer',
    });
    this.placeholder = h('div.preview-empty');
    this.reloadButton = h('button', { type: 'button', onclick: () => this.load() }, 'Reload');
    this.openLink = h('a.button', { href: '#', target: '_blank', rel: 'noopener noreferrer', onclick: () => setTimeout(() => this.freshLink(), 0) },
      'Open in new tab');
    this.startButton = h('button.primary', { type: 'button', hidden: true, onclick: () => this.start() }, 'Start preview');
    this.tail = h('pre.setup-log.preview-tail');
    this.el = h('section.preview', { 'aria-label': 'Preview' },
      h('div.preview-bar', this.state, this.reloadButton, this.openLink, this.startButton),
      this.frame, this.placeholder,
      h('details.preview-output', { open: true }, h('summary', 'Run script output (last lines)'), this.tail));
    this.loaded = false;
  }

  begin() {
    this.render();
    this.stream = follow(this.session.id, {
      after: 0,
      onEvent: (event) => {
        if (event.type !== 'run_output') return;
        if (event.data.skipped) this.lines.push(`… ${event.data.skipped} lines left out`);
        this.lines.push(...event.data.text.replace(/\n$/, '').split('\n'));
        this.lines = this.lines.slice(-TAIL_LINES);
        this.tail.textContent = `${this.lines.join('\n')}\n`;
      },
      onEnd: () => {},
    });
    this.timer = setInterval(() => this.refresh(), POLL_MS);
  }

  stop() {
    this.stream?.stop();
    clearInterval(this.timer);
  }

  async refresh() {
    try {
      const fresh = await get(`/api/sessions/${encodeURIComponent(this.session.id)}`);
      this.session = fresh.session ?? fresh;
      this.render();
      this.onSession(this.session);
    } catch {
      // why: the next poll tries again
    }
  }

  render() {
    const p = this.session.preview;
    const run = this.session.runScript;
    const state = p?.state ?? run?.state ?? 'none';
    const text = {
      none: this.session.status === 'active' ? 'The run script has not started yet.' : 'No preview is running.',
      starting: 'Starting: waiting for the app to listen…',
      listening: 'Listening',
      running: 'Running (no preview port)',
      exited: `Exited with code ${run?.exitCode ?? '?'}`,
      stopped: 'Stopped',
    }[state] ?? state;
    this.state.textContent = text;
    this.state.dataset.state = state;
    const live = state === 'listening';
    this.frame.hidden = !live;
    this.placeholder.hidden = live;
    this.reloadButton.disabled = !live;
    this.openLink.hidden = !live;
    this.startButton.hidden = this.session.status === 'active' || state === 'starting' || live;
    replace(this.placeholder, h('p.muted', live ? '' : text));
    if (live && !this.loaded) {
      this.loaded = true;
      this.load();
    }
    if (!live) this.loaded = false;
  }

  /** Opens the app in the frame through a fresh one-time link. */
  async load() {
    try {
      const link = await post(`/api/sessions/${encodeURIComponent(this.session.id)}/preview/link`);
      this.frame.src = link.url;
      this.freshLink();
    } catch (err) {
      toast(err.message, 'error');
    }
  }

  /** Keeps a fresh link behind "Open in new tab" (each link works once). */
  async freshLink() {
    try {
      const link = await post(`/api/sessions/${encodeURIComponent(this.session.id)}/preview/link`);
      this.openLink.href = link.url;
    } catch {
      // why: the next reload makes another
    }
  }

  async start() {
    this.startButton.disabled = true;
    try {
      await post(`/api/sessions/${encodeURIComponent(this.session.id)}/preview/start`);
      this.state.textContent = 'Starting the sandbox…';
      this.startButton.hidden = true;
    } catch (err) {
      toast(err.message, 'error');
    } finally {
      this.startButton.disabled = false;
    }
  }
}

// The phase timeline of a session: queued → provisioning → cloning → setting up → running → finishing,
// with how long each took; the current phase ticks while the session is active.
import { h, replace } from './dom.js';
import { duration, words } from './format.js';

export const PHASES = ['queued', 'provisioning', 'cloning', 'setting_up', 'running', 'finishing'];

/** A timeline bound to an element; update it with the session's phase history. */
export class Timeline {
  constructor() {
    this.el = h('ol.timeline', { 'aria-label': 'Phases' });
    this.history = [];
    this.status = 'active';
    this.timer = setInterval(() => this.status === 'active' && this.render(), 1000);
  }

  /** Sets the whole history ({status, phase, at} oldest first) and the current status. */
  set(history, status) {
    this.history = history.slice();
    this.status = status;
    this.render();
  }

  /** Adds one change, as a status event reports it. */
  add(change) {
    this.history.push(change);
    this.status = change.status;
    this.render();
  }

  stop() {
    clearInterval(this.timer);
  }

  render() {
    // the latest visit of each phase counts: a follow-up runs again from "running"
    const spans = new Map();
    this.history.forEach((c, i) => {
      const next = this.history[i + 1];
      spans.set(c.phase, { start: Date.parse(c.at), end: next ? Date.parse(next.at) : null, index: i });
    });
    const last = this.history[this.history.length - 1];
    const current = last?.phase;
    // a failure ends in phase "done"; the phase it failed in is the one before
    const failedAt = this.status === 'failed' ? this.history[this.history.length - 2]?.phase : null;
    const items = PHASES.map((phase) => {
      const span = spans.get(phase);
      let state = 'pending';
      if (span) state = phase === current && this.status === 'active' ? 'current' : 'done';
      if (phase === failedAt) state = 'failed';
      const took = span ? (span.end ?? (this.status === 'active' && phase === current ? Date.now() : null)) - span.start : null;
      return h('li', { class: `phase ${state}`, 'aria-current': state === 'current' ? 'step' : null, dataset: { phase } },
        h('span.dot', { 'aria-hidden': 'true' }),
        h('span.name', words(phase)),
        h('span.took', took != null && took >= 0 ? duration(took) : ''));
    });
    replace(this.el, items);
  }
}

// What a session's environment did, shown apart from the conversation: the setup and run scripts' output (collapsed
// under the timeline) and a summary of the network attempts ("reached … ×12, denied … ×1"), with a one-click "Allow for
// this environment" for admins on a host the agent was denied.
import { get, patch } from './api.js';
import { h, replace, toast } from './dom.js';
import { bytes } from './format.js';

export class SessionEnvironment {
  constructor({ session, me }) {
    this.session = session;
    this.admin = me?.role === 'admin';
    this.environment = null;
    this.lines = 0;
    this.output = h('pre.setup-log');
    this.count = h('span.count');
    this.setup = h('details.setup-output', { hidden: true },
      h('summary', 'Setup output ', this.count), this.output);
    this.attempts = new Map();
    this.runLines = 0;
    this.runOutput = h('pre.setup-log.run-log');
    this.runCount = h('span.count');
    this.run = h('details.run-output', { hidden: true },
      h('summary', 'Run script output ', this.runCount), this.runOutput);
    this.egress = h('section.egress-summary', { hidden: true, 'aria-label': 'Network' });
    this.el = h('div.session-environment', this.setup, this.run, this.egress);
    if (session.environmentId) {
      get(`/api/environments/${encodeURIComponent(session.environmentId)}`)
        .then((e) => { this.environment = e; this.renderEgress(); })
        .catch(() => {});
    }
  }

  /** True when the event is this panel's (and was shown here). */
  handle(event) {
    if (event.type === 'setup_output') {
      this.output.append(event.data.text);
      this.lines += event.data.text.split('\n').length - 1;
      this.count.textContent = `(${this.lines} line${this.lines === 1 ? '' : 's'})`;
      this.setup.hidden = false;
      return true;
    }
    if (event.type === 'run_output') {
      if (event.data.skipped) this.runOutput.append(`… ${event.data.skipped} lines left out\n`);
      this.runOutput.append(event.data.text);
      this.runLines += event.data.text.split('\n').length - 1;
      this.runCount.textContent = `(${this.runLines} line${this.runLines === 1 ? '' : 's'})`;
      this.run.hidden = false;
      return true;
    }
    if (event.type === 'egress') {
      const d = event.data;
      const key = `${d.allowed ? 'reached' : 'denied'} ${d.host}:${d.port} ${d.phase}`;
      const a = this.attempts.get(key) || { ...d, times: 0, bytesIn: 0 };
      a.times += 1;
      a.bytesIn += d.bytesReceived || 0;
      this.attempts.set(key, a);
      this.renderEgress();
      return true;
    }
    return false;
  }

  renderEgress() {
    if (!this.attempts.size) return;
    const items = [...this.attempts.values()].sort((a, b) => Number(a.allowed) - Number(b.allowed) || b.times - a.times);
    replace(this.egress,
      h('h2', 'Network'),
      h('ul', items.map((a) => h('li', { class: a.allowed ? 'reached' : 'denied', dataset: { host: `${a.host}:${a.port}` } },
        h('span.verdict', a.allowed ? 'reached' : 'denied'), ' ', h('code', `${a.host}:${a.port}`), ` ×${a.times}`,
        h('span.muted', ` · ${a.phase}${a.allowed ? ` · ${bytes(a.bytesIn)} in` : a.reason ? ` · ${a.reason}` : ''}`),
        this.allowButton(a)))));
    this.egress.hidden = false;
  }

  allowButton(a) {
    const agent = this.environment?.network?.agent;
    if (!this.admin || a.allowed || a.phase !== 'agent' || !agent || (agent !== 'none' && typeof agent === 'string')) return null;
    const host = `${a.host}:${a.port}`;
    if (typeof agent === 'object' && agent.allow.includes(host)) return h('span.muted', ' · allowed from the next session');
    return h('button.small.link.allow-host', { type: 'button', onclick: () => this.allow(host) }, 'Allow for this environment');
  }

  async allow(host) {
    const agent = this.environment.network.agent;
    const next = typeof agent === 'object' ? { ...agent, allow: [...agent.allow, host] } : { allow: [host] };
    try {
      this.environment = await patch(`/api/environments/${encodeURIComponent(this.environment.id)}`, { network: { agent: next } });
      toast(`${host} is allowed for the agent of “${this.environment.name}” from its next run`);
      this.renderEgress();
    } catch (err) {
      toast(err.message, 'error');
    }
  }
}

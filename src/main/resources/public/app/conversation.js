// Renders a session's events as a conversation: user messages, the agent's thinking (folded) and text
// (sanitised Markdown), tool calls with their input and output (long output folded), file edits as diffs,
// task-list updates, model retries and turn results. Every element made for an event carries its data-seq.
import { h } from './dom.js';
import { count, duration, usd, words, bytes } from './format.js';
import { renderMarkdown } from './markdown.js';
import { parseDiff, unifiedTable } from './diff.js';

const FOLD_LINES = 12;
const TASK_TOOLS = new Set(['TodoWrite', 'TaskCreate', 'TaskUpdate', 'TaskList', 'TaskGet']);

export class Conversation {
  /** Hooks: onTodo(items), onStatus(data, event), onPr(data), onUserMessage(data), onDelivered(messageId). */
  constructor(hooks) {
    this.hooks = hooks;
    this.el = h('div.conversation', { role: 'log', 'aria-label': 'Conversation' });
    this.streaming = new Map(); // "messageId:index" -> {el, kind, body}
    this.tools = new Map(); // toolUseId -> card element
    this.queued = new Map(); // messageId -> user message element
  }

  handle(event) {
    const d = event.data || {};
    switch (event.type) {
      case 'user_message': return this.userMessage(event, d);
      case 'message_delivered': return this.delivered(d.messageId);
      case 'delta': return this.delta(d);
      case 'thinking': return this.block(event, d, 'thinking');
      case 'text': return this.block(event, d, 'text');
      case 'tool_use': return this.toolUse(event, d);
      case 'tool_result': return this.toolResult(event, d);
      case 'file_change': return this.fileChange(event, d);
      case 'todo': return this.todo(event, d);
      case 'model_retry': return this.add(h('div.notice.warn', { dataset: { seq: event.seq } },
        `Model API retry ${d.attempt ?? ''}${d.maxRetries ? ` of ${d.maxRetries}` : ''}`,
        d.delayMs != null ? ` in ${duration(d.delayMs)}` : '',
        d.status || d.error ? ` — ${[d.status, d.error].filter(Boolean).join(' ')}` : ''));
      case 'turn_result': return this.turnResult(event, d);
      case 'status': return this.status(event, d);
      case 'pr':
        this.hooks.onPr?.(d);
        return this.add(h('div.notice', { dataset: { seq: event.seq } }, `Pull request #${d.number} ${words(d.action || d.state)}`));
      case 'error': return this.add(h('div.notice.error', { dataset: { seq: event.seq } }, d.message || 'Error'));
      default: return null;
    }
  }

  add(el) {
    this.el.append(el);
    return el;
  }

  userMessage(event, d) {
    this.hooks.onUserMessage?.(d);
    const badge = d.queued && d.followUp ? h('span.badge.queued', { title: 'Waiting for the agent to take it' }, 'queued') : null;
    const el = this.add(h('article.msg.user', { dataset: { seq: event.seq, messageId: d.messageId } },
      h('header', h('span.who', d.author?.name || 'You'), d.followUp ? h('span.kind', 'follow-up') : null, badge,
        h('time', { datetime: event.at }, new Date(event.at).toLocaleTimeString())),
      h('div.body.plain', d.text)));
    if (badge) this.queued.set(d.messageId, el);
    return el;
  }

  delivered(messageId) {
    const el = this.queued.get(messageId);
    if (!el) return;
    this.queued.delete(messageId);
    el.querySelector('.badge.queued')?.remove();
    el.classList.add('delivered');
    this.hooks.onDelivered?.(messageId);
  }

  delta(d) {
    const key = `${d.messageId}:${d.index}`;
    let s = this.streaming.get(key);
    if (!s) {
      const body = h('div.body.plain');
      const el = d.kind === 'thinking'
        ? h('details.thinking.streaming', h('summary', h('span.label', 'Thinking…')), body)
        : h('article.msg.agent.streaming', body);
      s = { el, kind: d.kind, messageId: d.messageId, body };
      this.streaming.set(key, s);
      this.add(el);
    }
    s.body.append(document.createTextNode(d.text));
  }

  block(event, d, kind) {
    const el = kind === 'thinking' ? thinking(event, d) : h('article.msg.agent', { dataset: { seq: event.seq } },
      renderMarkdown(d.text), d.aborted ? h('p.muted', 'cut off by an interrupt') : null);
    for (const [key, s] of this.streaming) {
      if (s.messageId === d.messageId && s.kind === kind) {
        this.streaming.delete(key);
        s.el.replaceWith(el);
        return el;
      }
    }
    return this.add(el);
  }

  toolUse(event, d) {
    const input = d.input ?? {};
    const card = h('section.tool', { dataset: { seq: event.seq, tool: d.name }, 'aria-label': `Tool ${d.name}` },
      h('header', h('span.tool-name', d.name), h('code.tool-summary', summary(d.name, input)),
        d.aborted ? h('span.badge.failed', 'cut off') : null),
      TASK_TOOLS.has(d.name) ? null : h('details.tool-input', h('summary', 'Input'),
        h('pre', JSON.stringify(input, null, 2))));
    if (d.toolUseId) this.tools.set(d.toolUseId, card);
    return this.add(card);
  }

  toolResult(event, d) {
    const card = this.tools.get(d.toolUseId) ?? this.add(h('section.tool', h('header', h('span.tool-name', d.toolName || 'Tool'))));
    if (d.isError) card.classList.add('is-error');
    const text = d.output ?? '';
    if (TASK_TOOLS.has(d.toolName) && !d.isError) {
      return card.appendChild(h('span.hidden-seq', { dataset: { seq: event.seq } }));
    }
    const lines = text.split('\n');
    const out = h('div.tool-output', { dataset: { seq: event.seq } });
    const pre = h('pre', { class: d.isError ? 'error' : null }, text || '(no output)');
    out.append(pre);
    if (lines.length > FOLD_LINES) {
      pre.classList.add('folded');
      const toggle = h('button.link.fold', { type: 'button', 'aria-expanded': 'false' }, `Show all ${lines.length} lines`);
      toggle.addEventListener('click', () => {
        const open = pre.classList.toggle('folded') === false;
        toggle.setAttribute('aria-expanded', String(open));
        toggle.textContent = open ? 'Fold output' : `Show all ${lines.length} lines`;
      });
      out.append(toggle);
    }
    if (d.truncated) out.append(h('p.muted', `Output cut: showing part of ${bytes(d.size ?? 0)}.`));
    return card.appendChild(out);
  }

  fileChange(event, d) {
    const files = parseDiff(d.diff);
    const file = files[0] ?? { hunks: [], additions: 0, deletions: 0 };
    file.path = d.path;
    const el = h('div.file-change', { dataset: { seq: event.seq } },
      h('header', h('span.badge', { class: d.kind }, d.kind), h('span.path', d.path),
        h('span.stat', h('span.add', `+${file.additions}`), ' ', h('span.del', `−${file.deletions}`))),
      h('div.scroll', unifiedTable(file)));
    const card = this.tools.get(d.toolUseId);
    return card ? card.appendChild(el) : this.add(el);
  }

  todo(event, d) {
    const items = d.items || [];
    this.hooks.onTodo?.(items);
    const done = items.filter((t) => t.status === 'completed').length;
    const active = items.find((t) => t.status === 'in_progress');
    return this.add(h('div.notice.tasks', { dataset: { seq: event.seq } },
      h('strong', `Tasks ${done}/${items.length}`), active ? ` · now: ${active.title}` : ''));
  }

  turnResult(event, d) {
    const ok = d.success;
    const interrupted = d.outcome === 'interrupted';
    const facts = [
      d.durationMs != null && duration(d.durationMs),
      (d.inputTokens != null || d.outputTokens != null) && `${count(d.inputTokens ?? 0)} in · ${count(d.outputTokens ?? 0)} out tokens`,
      d.turnCostUsd != null ? usd(d.turnCostUsd) : d.costUsd != null && usd(d.costUsd),
    ].filter(Boolean);
    return this.add(h('div.turn-result', { class: ok ? 'ok' : interrupted ? 'interrupted' : 'failed', dataset: { seq: event.seq } },
      h('strong', ok ? 'Turn finished' : interrupted ? 'Interrupted' : 'Turn failed'),
      facts.length ? h('span.facts', facts.join(' · ')) : null,
      !ok && !interrupted && (d.error || d.message) ? h('div.detail', d.error || d.message) : null));
  }

  status(event, d) {
    this.hooks.onStatus?.(d, event);
    // only what a reader needs inline: where the work went (the timeline shows the phases)
    if (d.pushed === undefined || d.status === 'failed') return null;
    return this.add(h('div.notice.status', { dataset: { seq: event.seq } }, d.reason || (d.pushed ? `Pushed ${d.branch}` : 'Not pushed')));
  }
}

function thinking(event, d) {
  const first = (d.text || '').split('\n').find((l) => l.trim()) || '';
  return h('details.thinking', { dataset: { seq: event.seq } },
    h('summary', h('span.label', 'Thinking'), h('span.preview', first.length > 90 ? `${first.slice(0, 90)}…` : first)),
    renderMarkdown(d.text));
}

/** One line that says what a tool call does. */
function summary(name, input) {
  if (typeof input !== 'object' || input === null) return String(input ?? '');
  const pick = input.command ?? input.file_path ?? input.path ?? input.pattern ?? input.url ?? input.query
    ?? input.description ?? input.subject ?? input.prompt;
  if (name === 'TodoWrite' && Array.isArray(input.todos)) return `${input.todos.length} tasks`;
  const text = pick != null ? String(pick) : JSON.stringify(input);
  return text.length > 140 ? `${text.slice(0, 140)}…` : text;
}

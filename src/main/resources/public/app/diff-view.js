// The Changes tab: the session's whole diff (base...session branch) with a file list and +/- counts,
// unified or side by side, and review comments on a line or a range of either side.
import { get, post } from './api.js';
import { h, replace, toast } from './dom.js';
import { parseDiff, splitTable, unifiedTable } from './diff.js';

const MODE_KEY = 'magnet.diffMode';

/** Loads and renders the diff of `session` into `box`. */
export async function renderDiffView(box, session) {
  replace(box, h('p.loading', 'Loading changes…'));
  let data;
  try {
    data = await get(`/api/sessions/${encodeURIComponent(session.id)}/diff?format=json`);
  } catch (e) {
    replace(box, h('p.error-text', e.message));
    return;
  }
  const parsed = parseDiff(data.diff);
  const stats = new Map((data.files || []).map((f) => [f.path, f]));
  if (!parsed.length && !stats.size) {
    replace(box, h('div.empty', h('h2', 'No changes yet'),
      h('p', session.status === 'active' ? 'The diff appears once the agent has finished a turn.' : 'This session did not change any file.')));
    return;
  }
  let mode = localStorage.getItem(MODE_KEY) === 'split' ? 'split' : 'unified';
  const files = parsed.map((f) => ({ ...f, stat: stats.get(f.path) }));
  const totalAdd = files.reduce((n, f) => n + (f.stat?.additions ?? f.additions), 0);
  const totalDel = files.reduce((n, f) => n + (f.stat?.deletions ?? f.deletions), 0);
  const bodies = h('div.diff-files');
  const toggle = (next) => {
    mode = next;
    localStorage.setItem(MODE_KEY, mode);
    for (const b of toolbar.querySelectorAll('button')) b.setAttribute('aria-pressed', String(b.value === mode));
    draw();
  };
  const toolbar = h('div.diff-toolbar',
    h('p', h('strong', `${files.length} file${files.length === 1 ? '' : 's'} changed`), ' ',
      h('span.add', `+${totalAdd}`), ' ', h('span.del', `−${totalDel}`),
      h('span.muted', ` · ${session.baseBranch ?? 'base'} … ${session.branch}`)),
    h('div.segmented', { role: 'group', 'aria-label': 'Diff layout' },
      h('button', { type: 'button', value: 'unified', 'aria-pressed': String(mode === 'unified'), onclick: () => toggle('unified') }, 'Unified'),
      h('button', { type: 'button', value: 'split', 'aria-pressed': String(mode === 'split'), onclick: () => toggle('split') }, 'Side by side')));
  const list = h('nav.file-list', { 'aria-label': 'Changed files' }, h('ul', files.map((f, i) => h('li',
    h('a', { href: `#file-${i}` }, h('span.badge', { class: kindOf(f) }, kindOf(f)[0].toUpperCase()), h('span.path', f.path)),
    h('span.stat', h('span.add', `+${f.stat?.additions ?? f.additions}`), ' ', h('span.del', `−${f.stat?.deletions ?? f.deletions}`))))));
  function draw() {
    replace(bodies, files.map((f, i) => h('section.diff-file', { id: `file-${i}`, 'aria-label': f.path },
      h('header', h('span.badge', { class: kindOf(f) }, kindOf(f)), h('span.path', f.oldPath ? `${f.oldPath} → ${f.path}` : f.path),
        h('span.stat', h('span.add', `+${f.additions}`), ' ', h('span.del', `−${f.deletions}`))),
      f.binary || !f.hunks.length ? h('p.muted.pad', f.binary ? 'Binary file' : 'No textual changes')
        : h('div.scroll', withDragRange(session, f, (mode === 'split' ? splitTable : unifiedTable)(f,
          (at, row, e) => commentOn(session, f, at, row, e)))))));
  }
  draw();
  replace(box, toolbar, h('div.diff-layout', list, bodies));
}

/**
 * Dragging from one line number to another of the same side opens the comment form on that range (the click of a
 * drag lands on no button, so it opens nothing else).
 */
function withDragRange(session, file, table) {
  let from = null;
  table.addEventListener('pointerdown', (e) => {
    from = e.target.closest('button.line-comment');
  });
  table.addEventListener('pointerup', (e) => {
    const to = e.target.closest('button.line-comment');
    const start = from;
    from = null;
    if (!start || !to || to === start || to.dataset.side !== start.dataset.side) return;
    const [a, b] = [Number(start.dataset.line), Number(to.dataset.line)].sort((x, y) => x - y);
    const first = a === Number(start.dataset.line) ? start : to;
    commentOn(session, file, { side: start.dataset.side, line: a, endLine: b }, first.closest('tr'), e);
  });
  return table;
}

/**
 * Opens the comment form under a line of the diff, on its side (`new`: the changed file, `old`: the file before);
 * shift+click on another line of that side, a drag, or the "to line" field makes it a range. The comment is queued
 * as a follow-up carrying the file, the side, the lines and their hunk.
 */
function commentOn(session, file, { side, line, endLine: last }, row, event) {
  const table = row.closest('table');
  const open = table.querySelector('tr.comment-row');
  if (open && event.shiftKey && open.dataset.side === side) {
    const start = Number(open.dataset.line);
    const end = open.querySelector('input[name=endLine]');
    if (line < start) {
      open.dataset.line = String(line);
      end.min = String(line);
      end.value = String(Math.max(start, Number(end.value) || start));
      open.querySelector('.comment-title').textContent = title(file, side, line);
    } else {
      end.value = String(line);
    }
    open.querySelector('textarea').focus();
    return;
  }
  open?.remove();
  const opener = row.querySelector(`button.line-comment[data-side="${side}"]`);
  const back = () => opener?.focus();
  const id = `comment-${side}-${line}`;
  const text = h('textarea', { id, name: 'text', rows: 3, required: true, placeholder: 'What should the agent change here?' });
  const endLine = h('input', { id: `${id}-end`, name: 'endLine', type: 'number', min: line, value: last ?? line, inputmode: 'numeric' });
  const error = h('p.error-text', { role: 'alert' });
  const form = h('form.line-comment-form', { 'aria-label': `Comment on ${file.path} from ${side === 'old' ? 'old ' : ''}line ${line}` },
    h('label.comment-title', { for: id }, title(file, side, line)), text,
    h('div.comment-range', h('label', { for: `${id}-end` }, 'to line'), endLine,
      h('span.muted', ' (shift+click or drag over line numbers for a range)')),
    error,
    h('div.actions', h('button.primary', { type: 'submit' }, 'Send to the agent'),
      h('button', { type: 'button', onclick: () => { form.closest('tr').remove(); back(); } }, 'Cancel')));
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      form.closest('tr').remove();
      back();
    }
  });
  const holder = h('tr.comment-row', { dataset: { line, side } }, h('td', { colspan: row.children.length }, form));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const start = Number(holder.dataset.line);
    try {
      await post(`/api/sessions/${encodeURIComponent(session.id)}/comments`,
        { path: file.path, side, line: start, endLine: Math.max(start, Number(endLine.value) || start), text: text.value });
      holder.remove();
      toast('Comment sent to the agent as a follow-up');
      back();
    } catch (err) {
      error.textContent = err.message;
    }
  });
  row.after(holder);
  text.focus();
}

function title(file, side, line) {
  return side === 'old' ? `Comment on ${file.path}, old line ${line} (before the changes)` : `Comment on ${file.path}, line ${line}`;
}

function kindOf(f) {
  const change = f.stat?.change ? String(f.stat.change).toLowerCase() : f.kind;
  return change === 'added' ? 'added' : change === 'deleted' ? 'deleted' : change === 'renamed' ? 'renamed' : 'modified';
}

// Unified diffs: parsing into files and hunks, and rendering them unified or side by side, coloured and
// syntax-highlighted.
import { h } from './dom.js';
import { highlightLine, languageOf } from './highlight.js';

/**
 * Parses a unified diff (git's, or a bare one starting at "---" or "@@") into
 * [{path, oldPath, kind, binary, additions, deletions, hunks: [{header, lines: [{type, text, oldNo, newNo}]}]}].
 */
export function parseDiff(text) {
  const files = [];
  let file = null;
  let hunk = null;
  let oldNo = 0;
  let newNo = 0;
  const startFile = (path) => {
    file = { path, oldPath: null, kind: 'modified', binary: false, additions: 0, deletions: 0, hunks: [] };
    files.push(file);
    hunk = null;
  };
  const lines = (text || '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('diff --git ')) {
      const m = line.match(/^diff --git a\/(.*) b\/(.*)$/);
      startFile(m ? m[2] : line.slice(11));
      continue;
    }
    if (hunk && ((hunk.remaining > 0 && (line === '' || /^[ +-]/.test(line))) || line.startsWith('\\'))) {
      if (line.startsWith('+')) {
        hunk.lines.push({ type: 'add', text: line.slice(1), oldNo: null, newNo: newNo++ });
        file.additions++;
        hunk.remaining--;
      } else if (line.startsWith('-')) {
        hunk.lines.push({ type: 'del', text: line.slice(1), oldNo: oldNo++, newNo: null });
        file.deletions++;
        hunk.remaining--;
      } else if (line.startsWith('\\')) {
        hunk.lines.push({ type: 'meta', text: line, oldNo: null, newNo: null });
      } else {
        hunk.lines.push({ type: 'ctx', text: line.slice(1), oldNo: oldNo++, newNo: newNo++ });
        hunk.remaining -= 2;
      }
      continue;
    }
    const at = line.match(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@(.*)$/);
    if (at) {
      if (!file) startFile(null);
      oldNo = Number(at[1]);
      newNo = Number(at[3]);
      const size = Number(at[2] ?? 1) + Number(at[4] ?? 1);
      hunk = { header: line, context: at[5].trim(), lines: [], remaining: size };
      file.hunks.push(hunk);
      continue;
    }
    if (line.startsWith('--- ')) {
      if (!file || file.hunks.length) startFile(null);
      const old = stripPrefix(line.slice(4));
      if (old === null) file.kind = 'added';
      else file.oldPath = old;
      continue;
    }
    if (line.startsWith('+++ ') && file) {
      const now = stripPrefix(line.slice(4));
      if (now === null) file.kind = 'deleted';
      else file.path = now;
      continue;
    }
    if (!file) continue;
    if (line.startsWith('new file')) file.kind = 'added';
    else if (line.startsWith('deleted file')) file.kind = 'deleted';
    else if (line.startsWith('rename from ')) { file.kind = 'renamed'; file.oldPath = line.slice(12); }
    else if (line.startsWith('rename to ')) file.path = line.slice(10);
    else if (line.startsWith('Binary files')) file.binary = true;
  }
  for (const f of files) {
    if (!f.path) f.path = f.oldPath ?? '(file)';
    if (f.oldPath === f.path) f.oldPath = null;
  }
  return files;
}

function stripPrefix(name) {
  const clean = name.split('\t')[0];
  if (clean === '/dev/null') return null;
  return clean.replace(/^[ab]\//, '');
}

/**
 * A unified view of one file's hunks as a table. With `onLine({ side, line }, row, event)`, line numbers are buttons (a
 * review comment on them): the new number of added and context lines, the old number of deleted lines.
 */
export function unifiedTable(file, onLine) {
  const lang = languageOf(file.path);
  const rows = [];
  for (const hunk of file.hunks) {
    rows.push(h('tr.hunk', h('td.num', { colspan: 2 }, ''), h('td.code', hunk.header)));
    for (const line of hunk.lines) {
      const row = h('tr', { class: line.type });
      row.append(
        h('td.num', line.type === 'del' ? lineButton(file, 'old', line.oldNo, row, onLine) : line.oldNo ?? ''),
        h('td.num', lineButton(file, 'new', line.newNo, row, onLine)),
        codeCell(line, lang));
      rows.push(row);
    }
  }
  return h('table.diff.unified', h('tbody', rows));
}

/**
 * A side-by-side view: deletions on the left paired with the additions that replace them on the right. With `onLine`,
 * the old numbers of deleted lines (left) and the new numbers of added and context lines (right) are comment buttons.
 */
export function splitTable(file, onLine) {
  const lang = languageOf(file.path);
  const rows = [];
  for (const hunk of file.hunks) {
    rows.push(h('tr.hunk', h('td.num', ''), h('td.code', { colspan: 3 }, hunk.header)));
    const lines = hunk.lines.filter((l) => l.type !== 'meta');
    for (let i = 0; i < lines.length;) {
      if (lines[i].type === 'ctx') {
        const row = h('tr.ctx');
        row.append(h('td.num', lines[i].oldNo), codeCell(lines[i], lang),
          h('td.num', lineButton(file, 'new', lines[i].newNo, row, onLine)), codeCell(lines[i], lang));
        rows.push(row);
        i++;
        continue;
      }
      const dels = [];
      const adds = [];
      while (i < lines.length && lines[i].type === 'del') dels.push(lines[i++]);
      while (i < lines.length && lines[i].type === 'add') adds.push(lines[i++]);
      for (let j = 0; j < Math.max(dels.length, adds.length); j++) {
        const left = dels[j];
        const right = adds[j];
        const row = h('tr.pair');
        row.append(
          h('td.num', { class: left ? 'del' : 'empty' }, left ? lineButton(file, 'old', left.oldNo, row, onLine) : ''),
          left ? codeCell(left, lang) : h('td.code.empty'),
          h('td.num', { class: right ? 'add' : 'empty' }, right ? lineButton(file, 'new', right.newNo, row, onLine) : ''),
          right ? codeCell(right, lang) : h('td.code.empty'));
        rows.push(row);
      }
    }
  }
  return h('table.diff.split', h('tbody', rows));
}

/** A line number: a button that comments on the line when `onLine` is given, else the number as text. */
function lineButton(file, side, line, row, onLine) {
  if (line == null) return '';
  if (!onLine) return String(line);
  const label = side === 'old' ? `Comment on old line ${line} of ${file.path}` : `Comment on line ${line} of ${file.path}`;
  return h('button.line-comment', { type: 'button', 'aria-label': label, dataset: { side, line },
    onclick: (e) => onLine({ side, line }, row, e) }, String(line));
}

function codeCell(line, lang) {
  const sign = line.type === 'add' ? '+' : line.type === 'del' ? '-' : ' ';
  const cell = h('td.code', { class: line.type }, h('span.sign', { 'aria-hidden': 'true' }, sign));
  if (line.type === 'meta') cell.append(document.createTextNode(line.text));
  else highlightLine(cell, line.text, lang);
  return cell;
}

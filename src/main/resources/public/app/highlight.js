// A small syntax highlighter for code in diffs and Markdown: comments, strings, numbers and keywords of
// the common languages, one line at a time. It builds text nodes and spans, never HTML strings.

const C_LIKE = 'abstract async await break case catch class const continue default delete do else enum export extends false final finally for fn func function go if impl implements import in instanceof interface let match mod module mut new nil null override package private protected pub public record return sealed self static struct super switch this throw throws trait true try type typeof use val var void when where while yield';
const FAMILIES = {
  c: { keywords: C_LIKE + ' int long short char byte boolean double float string bool auto unsigned signed sizeof goto namespace template typename using virtual', line: '//', block: true, hashComment: false },
  py: { keywords: 'and as assert async await break class continue def del elif else except False finally for from global if import in is lambda None nonlocal not or pass raise return self True try while with yield', line: '#', block: false },
  sh: { keywords: 'if then else elif fi for while until do done case esac function in return local export set unset echo exit source', line: '#', block: false },
  rb: { keywords: 'alias and begin break case class def do else elsif end ensure false for if in module next nil not or redo rescue retry return self super then true undef unless until when while yield require', line: '#', block: false },
  sql: { keywords: 'select from where and or not insert into values update set delete create table alter drop index primary key foreign references join left right inner outer on group by order having limit offset as distinct null is in like between case when then else end union all exists', line: '--', block: true, caseless: true },
  yaml: { keywords: 'true false null yes no on off', line: '#', block: false },
  css: { keywords: 'important media import supports keyframes', line: null, block: true },
  xml: { keywords: '', line: null, block: false, markup: true },
};
const EXTENSIONS = {
  java: 'c', kt: 'c', kts: 'c', scala: 'c', groovy: 'c', gradle: 'c', js: 'c', mjs: 'c', cjs: 'c', jsx: 'c', ts: 'c',
  tsx: 'c', c: 'c', h: 'c', cc: 'c', cpp: 'c', hpp: 'c', cs: 'c', go: 'c', rs: 'c', swift: 'c', php: 'c', dart: 'c',
  json: 'c', py: 'py', sh: 'sh', bash: 'sh', zsh: 'sh', rb: 'rb', sql: 'sql', yml: 'yaml', yaml: 'yaml', toml: 'yaml',
  properties: 'yaml', css: 'css', scss: 'css', html: 'xml', xml: 'xml', svg: 'xml', vue: 'xml',
  javascript: 'c', typescript: 'c', python: 'py', shell: 'sh', console: 'sh', ruby: 'rb', kotlin: 'c', rust: 'c',
};
const cache = new Map();

/** The language family of a file name or a Markdown fence name, or null when unknown. */
export function languageOf(nameOrFence) {
  if (!nameOrFence) return null;
  const lower = nameOrFence.toLowerCase();
  if (lower.endsWith('dockerfile') || lower.endsWith('makefile')) return 'sh';
  const ext = lower.includes('.') ? lower.slice(lower.lastIndexOf('.') + 1) : lower;
  return EXTENSIONS[ext] || null;
}

function scanner(family) {
  if (cache.has(family)) return cache.get(family);
  const f = FAMILIES[family];
  const parts = [];
  if (f.markup) {
    parts.push('(?<comment><!--.*?(?:-->|$))', '(?<string>"[^"]*"|\'[^\']*\')', '(?<keyword></?[A-Za-z][\\w:.-]*|/?>)');
  } else {
    const comments = [];
    if (f.line) comments.push(escapeRe(f.line) + '.*$');
    if (f.block) comments.push('/\\*.*?(?:\\*/|$)');
    if (comments.length) parts.push(`(?<comment>${comments.join('|')})`);
    parts.push('(?<string>"(?:[^"\\\\]|\\\\.)*"?|\'(?:[^\'\\\\]|\\\\.)*\'?|`(?:[^`\\\\]|\\\\.)*`?)');
    parts.push('(?<number>\\b(?:0x[\\da-fA-F_]+|\\d[\\d_]*(?:\\.\\d+)?(?:[eE][+-]?\\d+)?)[lLfFdD]?\\b)');
    parts.push('(?<word>[A-Za-z_$@][\\w$]*)');
  }
  const result = {
    re: new RegExp(parts.join('|'), 'g'),
    keywords: new Set(f.keywords.split(' ').map((k) => (f.caseless ? k.toLowerCase() : k))),
    caseless: !!f.caseless,
  };
  cache.set(family, result);
  return result;
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Appends one highlighted line of code to `parent` (text nodes and spans with class tok-*). */
export function highlightLine(parent, line, family) {
  if (!family || !FAMILIES[family] || line.length > 2000) {
    parent.append(document.createTextNode(line));
    return parent;
  }
  const { re, keywords, caseless } = scanner(family);
  re.lastIndex = 0;
  let at = 0;
  for (const m of line.matchAll(re)) {
    let kind = Object.keys(m.groups).find((k) => m.groups[k] !== undefined);
    if (kind === 'word') {
      const word = caseless ? m[0].toLowerCase() : m[0];
      if (!keywords.has(word)) continue;
      kind = 'keyword';
    }
    if (m.index > at) parent.append(document.createTextNode(line.slice(at, m.index)));
    const span = document.createElement('span');
    span.className = `tok-${kind}`;
    span.textContent = m[0];
    parent.append(span);
    at = m.index + m[0].length;
  }
  if (at < line.length) parent.append(document.createTextNode(line.slice(at)));
  return parent;
}

/** Highlights a whole block of code in place (the element's text is replaced by highlighted lines). */
export function highlightBlock(codeElement, family) {
  const lines = codeElement.textContent.split('\n');
  codeElement.replaceChildren();
  lines.forEach((line, i) => {
    highlightLine(codeElement, line, family);
    if (i < lines.length - 1) codeElement.append(document.createTextNode('\n'));
  });
}

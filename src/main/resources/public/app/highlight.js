// Syntax highlighting for code in diffs and Markdown, by Prism's tokenizer (/vendor/prism.js, the languages the
// server bundles). Prism.tokenize returns tokens, not HTML: this module turns them into text nodes and spans with
// tok-* classes, so no HTML string is ever parsed and the page's strict CSP stays as it is.

// File extensions and Markdown fence names -> Prism grammar names (each must be in the server's bundle, see
// web/PrismBundle; UiRoutesTest checks it).
const LANGUAGES = {
  java: 'java', kt: 'kotlin', kts: 'kotlin', kotlin: 'kotlin', scala: 'scala', groovy: 'groovy', gradle: 'groovy',
  js: 'javascript', mjs: 'javascript', cjs: 'javascript', javascript: 'javascript', jsx: 'jsx',
  ts: 'typescript', typescript: 'typescript', tsx: 'tsx',
  c: 'c', h: 'c', cc: 'cpp', cpp: 'cpp', cxx: 'cpp', hpp: 'cpp', cs: 'csharp', csharp: 'csharp',
  go: 'go', rs: 'rust', rust: 'rust', swift: 'swift', php: 'php', dart: 'dart', json: 'json',
  py: 'python', python: 'python', sh: 'bash', bash: 'bash', zsh: 'bash', shell: 'bash', console: 'bash',
  rb: 'ruby', ruby: 'ruby', sql: 'sql', yml: 'yaml', yaml: 'yaml', toml: 'toml', properties: 'properties',
  css: 'css', scss: 'scss', html: 'markup', xml: 'markup', svg: 'markup', vue: 'markup',
};

// Prism token types -> the four colours of style.css (types not named here stay plain text).
const KINDS = {
  comment: 'comment', prolog: 'comment', doctype: 'comment', cdata: 'comment', shebang: 'comment',
  string: 'string', char: 'string', 'template-string': 'string', 'attr-value': 'string', regex: 'string',
  url: 'string', 'string-interpolation': null,
  number: 'number',
  keyword: 'keyword', boolean: 'keyword', builtin: 'keyword', important: 'keyword', atrule: 'keyword',
  tag: 'keyword', 'null': 'keyword', nil: 'keyword', constant: 'keyword', directive: 'keyword',
};

const MAX_LINE = 2000;
const MAX_BLOCK = 200_000;

/** The Prism language of a file name or a Markdown fence name, or null when unknown. */
export function languageOf(nameOrFence) {
  if (!nameOrFence) return null;
  const lower = nameOrFence.toLowerCase();
  const base = lower.slice(lower.lastIndexOf('/') + 1);
  if (base === 'dockerfile' || base.endsWith('.dockerfile') || lower === 'docker') return 'docker';
  if (base === 'makefile' || base.endsWith('.mk') || lower === 'make') return 'makefile';
  const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1) : base;
  return LANGUAGES[ext] || null;
}

function grammarOf(language) {
  const prism = window.Prism;
  return language && prism && prism.languages ? prism.languages[language] || null : null;
}

/** The tok-* kind of a Prism token: its type, else the first of its aliases that has one. */
function kindOf(token) {
  if (Object.hasOwn(KINDS, token.type)) return KINDS[token.type];
  const aliases = Array.isArray(token.alias) ? token.alias : token.alias ? [token.alias] : [];
  for (const alias of aliases) {
    if (Object.hasOwn(KINDS, alias)) return KINDS[alias];
  }
  return undefined;
}

/** Appends Prism tokens (strings, tokens, nested arrays) to `parent` as text nodes and spans. */
function appendTokens(parent, tokens, inherited) {
  for (const token of tokens) {
    if (typeof token === 'string') {
      parent.append(document.createTextNode(token));
      continue;
    }
    if (Array.isArray(token)) {
      appendTokens(parent, token, inherited);
      continue;
    }
    const kind = kindOf(token);
    const own = kind === undefined ? inherited : kind;
    const content = Array.isArray(token.content) ? token.content : [token.content];
    if (own && own !== inherited) {
      const span = document.createElement('span');
      span.className = `tok-${own}`;
      appendTokens(span, content, own);
      parent.append(span);
    } else {
      appendTokens(parent, content, own);
    }
  }
}

function highlight(parent, text, language, max) {
  const grammar = grammarOf(language);
  if (!grammar || text.length > max) {
    parent.append(document.createTextNode(text));
    return parent;
  }
  appendTokens(parent, window.Prism.tokenize(text, grammar), null);
  return parent;
}

/** Appends one highlighted line of code to `parent` (text nodes and spans with class tok-*). */
export function highlightLine(parent, line, language) {
  return highlight(parent, line, language, MAX_LINE);
}

/** Highlights a whole block of code in place (the element's text is replaced by highlighted text). */
export function highlightBlock(codeElement, language) {
  const text = codeElement.textContent;
  codeElement.replaceChildren();
  return highlight(codeElement, text, language, MAX_BLOCK);
}

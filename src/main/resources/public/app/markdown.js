// The agent's text as Markdown, made safe: raw HTML in the text is shown as text (never parsed), and the
// HTML that Markdown produces is sanitised with DOMPurify before it reaches the page.
import { Marked } from '/vendor/marked.esm.js';
import { highlightBlock, languageOf } from './highlight.js';

const ALLOWED_TAGS = ['a', 'p', 'br', 'hr', 'em', 'strong', 'del', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'input', 'span'];
const ALLOWED_ATTR = ['href', 'title', 'class', 'start', 'align', 'type', 'checked', 'disabled'];

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const marked = new Marked({
  gfm: true,
  async: false,
  renderer: {
    // why: HTML written by the agent is content to read, not markup to run or render
    html(token) {
      return escapeHtml(token.text);
    },
    image(token) {
      return escapeHtml(`![${token.text}](${token.href})`);
    },
  },
});

let purifier = null;

function purify() {
  if (purifier) return purifier;
  if (!window.DOMPurify) return null;
  purifier = window.DOMPurify;
  purifier.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
    if (node.tagName === 'INPUT') {
      node.setAttribute('type', 'checkbox');
      node.setAttribute('disabled', '');
    }
    if (node.hasAttribute('class') && !/^language-[\w+-]+$/.test(node.getAttribute('class'))) node.removeAttribute('class');
  });
  return purifier;
}

/** Renders Markdown text into a new element (class "markdown"); plain text when the sanitiser is missing. */
export function renderMarkdown(text) {
  const box = document.createElement('div');
  box.className = 'markdown';
  const sanitizer = purify();
  if (!sanitizer) {
    box.classList.add('plain');
    box.textContent = text;
    return box;
  }
  const html = marked.parse(text ?? '');
  const fragment = sanitizer.sanitize(html, {
    ALLOWED_TAGS, ALLOWED_ATTR, ADD_ATTR: ['target', 'rel'], RETURN_DOM_FRAGMENT: true,
    ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|#|\/(?!\/))/i,
  });
  box.append(fragment);
  for (const code of box.querySelectorAll('pre > code')) {
    const lang = (code.className.match(/language-([\w+-]+)/) || [])[1];
    highlightBlock(code, languageOf(lang));
  }
  return box;
}

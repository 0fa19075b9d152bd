// Tiny DOM helpers. Text always goes in as text nodes: nothing here parses HTML.

/**
 * Creates an element: h('a#home.link', {href: '/'}, 'text', child, [more]).
 * Attributes named on* become listeners; `class`, `dataset` and boolean values are handled.
 */
export function h(spec, attrs, ...children) {
  const parts = spec.match(/^([\w-]*)(?:#([\w-]+))?((?:\.[\w-]+)*)$/);
  if (!parts) throw new Error(`element spec "${spec}" is not tag#id.class`);
  const [, tag, id, classes] = parts;
  const el = document.createElement(tag || 'div');
  if (id) el.id = id;
  if (classes) el.className = classes.slice(1).replaceAll('.', ' ');
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = [el.className, value].filter(Boolean).join(' ');
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/** Appends text, nodes and (nested) arrays of them; null and false are skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Replaces all children of an element. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Shows a short message at the bottom of the screen. */
export function toast(message, kind = 'info') {
  const box = document.getElementById('toast');
  const item = h('div.toast-item', { class: kind }, message);
  box.append(item);
  setTimeout(() => item.remove(), 5000);
}

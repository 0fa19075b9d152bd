// The HTTP API client: JSON requests, problem+json errors, and how the browser proves who it is.
import { h } from './dom.js';

const KEY_STORAGE = 'magnet.apiKey';

/** An answer of the API that was not 2xx, with the problem's fields. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.field = problem?.field ?? null;
  }
}

// Credentials until browser sign-in exists: an API key asked once, kept in localStorage, sent as x-api-key.
// A cookie session replaces this object (headers: CSRF token, signIn: go to the sign-in page); nothing else changes.
const apiKeyAuth = {
  ready() {
    return Boolean(localStorage.getItem(KEY_STORAGE));
  },
  headers() {
    const key = localStorage.getItem(KEY_STORAGE);
    return key ? { 'x-api-key': key } : {};
  },
  signIn(message) {
    return askForApiKey(message);
  },
  signOut() {
    localStorage.removeItem(KEY_STORAGE);
  },
};

export const auth = apiKeyAuth;

/** Sends a request; the body (if any) as JSON. Returns the parsed JSON answer, or null for an empty one. */
export async function request(method, path, body) {
  const res = await send(method, path, body, { Accept: 'application/json' });
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path) => request('GET', path);
export const post = (path, body) => request('POST', path, body ?? {});

/** Opens a response for reading as it arrives (the caller reads `body`), with extra headers. */
export function open(path, headers, signal) {
  return send('GET', path, undefined, headers, signal);
}

/** The unified diff as text. */
export async function text(path) {
  const res = await send('GET', path, undefined, { Accept: 'text/x-diff' });
  return res.text();
}

async function send(method, path, body, headers, signal) {
  if (!auth.ready()) await auth.signIn(null);
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, {
      method,
      signal,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { ...headers, ...auth.headers(), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (res.ok) return res;
    const problem = await res.json().catch(() => null);
    if (res.status === 401 && attempt < 3) {
      await auth.signIn('That key was not accepted. Try again.');
      continue;
    }
    throw new ApiError(res.status, problem);
  }
}

let pendingSignIn = null;

function askForApiKey(message) {
  if (pendingSignIn) return pendingSignIn;
  pendingSignIn = new Promise((resolve) => {
    const input = h('input#api-key', { type: 'password', autocomplete: 'off', required: true, spellcheck: 'false',
      placeholder: 'mgt_…', 'aria-describedby': 'api-key-help' });
    const form = h('form', { method: 'dialog' },
      h('h2', 'Sign in to Magnet'),
      message && h('p.error-text', { role: 'alert' }, message),
      h('label', { for: 'api-key' }, 'API key'),
      input,
      h('p#api-key-help.hint', 'The server prints the admin key on its first start (or uses MAGNET_BOOTSTRAP_API_KEY). It is kept in this browser only.'),
      h('div.actions', h('button.primary', { type: 'submit' }, 'Continue')));
    const dialog = h('dialog.signin', { 'aria-labelledby': 'signin-title' }, form);
    form.querySelector('h2').id = 'signin-title';
    dialog.addEventListener('cancel', (e) => e.preventDefault());
    form.addEventListener('submit', () => {
      localStorage.setItem(KEY_STORAGE, input.value.trim());
      dialog.close();
      dialog.remove();
      pendingSignIn = null;
      resolve();
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
  return pendingSignIn;
}

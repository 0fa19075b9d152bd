// The HTTP API client: JSON requests, problem+json errors, and how the browser proves who it is.

/** An answer of the API that was not 2xx, with the problem's fields. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.field = problem?.field ?? null;
  }
}

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/**
 * The browser's credentials: the sign-in cookies, sent by the browser itself. Writes repeat the CSRF token (the
 * readable magnet_csrf cookie, or the one /api/me gave) in X-CSRF-Token. When the server no longer knows the
 * sign-in (401), `onSignedOut` is called, and the request waits for good: the app shows the sign-in page instead.
 */
export const auth = {
  csrfToken: null,
  onSignedOut: () => {},
  /** True when this browser holds a sign-in cookie (it may still have expired on the server). */
  hasCookie() {
    return Boolean(readCookie('magnet_csrf'));
  },
  remember(me) {
    this.csrfToken = me?.csrfToken ?? this.csrfToken;
  },
  forget() {
    this.csrfToken = null;
  },
  headers(method) {
    if (SAFE_METHODS.includes(method)) return {};
    const token = readCookie('magnet_csrf') || this.csrfToken;
    return token ? { 'X-CSRF-Token': token } : {};
  },
};

function readCookie(name) {
  const pair = document.cookie.split('; ').find((c) => c.startsWith(`${name}=`));
  return pair ? decodeURIComponent(pair.slice(name.length + 1)) : null;
}

/**
 * Sends a request; the body (if any) as JSON. Returns the parsed JSON answer, or null for an empty one.
 * With `{ anonymous: true }` a 401 is thrown to the caller (sign-in, invites) instead of leading to the sign-in page.
 */
export async function request(method, path, body, options = {}) {
  const res = await send(method, path, body, { Accept: 'application/json' }, undefined, options);
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, options) => request('GET', path, undefined, options);
export const post = (path, body, options) => request('POST', path, body ?? {}, options);
export const patch = (path, body, options) => request('PATCH', path, body ?? {}, options);
export const put = (path, body, options) => request('PUT', path, body ?? {}, options);
export const del = (path) => request('DELETE', path);

/** Opens a response for reading as it arrives (the caller reads `body`), with extra headers. */
export function open(path, headers, signal) {
  return send('GET', path, undefined, headers, signal);
}

/** The unified diff as text. */
export async function text(path) {
  const res = await send('GET', path, undefined, { Accept: 'text/x-diff' });
  return res.text();
}

async function send(method, path, body, headers, signal, { anonymous = false } = {}) {
  let csrf = auth.headers(method);
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, {
      method,
      signal,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { ...headers, ...csrf, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    if (res.ok) return res;
    const problem = await res.json().catch(() => null);
    if (res.status === 401 && !anonymous) {
      auth.onSignedOut();
      return new Promise(() => {});
    }
    // why: the token of this tab can be stale (another tab signed in again); /api/me has the current one
    if (res.status === 403 && attempt === 0 && !SAFE_METHODS.includes(method) && /csrf/i.test(problem?.detail ?? '')) {
      const me = await request('GET', '/api/me');
      auth.remember(me);
      csrf = me?.csrfToken ? { 'X-CSRF-Token': me.csrfToken } : {};
      continue;
    }
    throw new ApiError(res.status, problem);
  }
}

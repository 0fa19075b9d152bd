// The sign-in page: email and password, and single sign-on when the server has a provider.
import { get, post, ApiError } from './api.js';
import { h, replace } from './dom.js';

/**
 * Renders the sign-in form into `main`. `onSignedIn(me)` gets the answer of a good sign-in; `message` is shown
 * above the form (why the visitor is here: an ended sign-in, or a single sign-on that failed).
 */
export function signInPage(main, { message, onSignedIn }) {
  const error = h('p#signin-error.error-text', { role: 'alert' }, message || '');
  const email = h('input#signin-email', { type: 'email', name: 'email', autocomplete: 'username', required: true,
    spellcheck: 'false', 'aria-describedby': 'signin-error' });
  const password = h('input#signin-password', { type: 'password', name: 'password', autocomplete: 'current-password',
    required: true, 'aria-describedby': 'signin-error' });
  const submit = h('button.primary', { type: 'submit' }, 'Sign in');
  const sso = h('div.sso', { hidden: true });
  const form = h('form.signin-form', { 'aria-labelledby': 'signin-title' },
    h('h1#signin-title', 'Sign in to Magnet'),
    error,
    h('div.field', h('label', { for: 'signin-email' }, 'Email'), email),
    h('div.field', h('label', { for: 'signin-password' }, 'Password'), password),
    h('div.actions', submit),
    sso);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    try {
      onSignedIn(await post('/api/auth/signin', { email: email.value.trim(), password: password.value }, { anonymous: true }));
    } catch (err) {
      error.textContent = err instanceof ApiError && err.status === 401 ? 'The email or password is wrong.' : err.message;
      submit.disabled = false;
      password.select();
      password.focus();
    }
  });
  replace(main, h('section.auth-card', form));
  email.focus();
  showSingleSignOn(sso, '/api/auth/oidc/start');
  return () => {};
}

/** Adds a "Sign in with <provider>" link to `box` when the server has single sign-on; `start` is where it goes. */
export async function showSingleSignOn(box, start) {
  const config = await get('/api/auth/config', { anonymous: true }).catch(() => null);
  if (!config?.oidc?.enabled) return;
  replace(box, h('p.or', 'or'), h('a.button.wide', { href: start }, `Sign in with ${config.oidc.name || 'single sign-on'}`));
  box.hidden = false;
}

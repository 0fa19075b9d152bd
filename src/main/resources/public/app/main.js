// The app's entry: who is signed in, and a small router over the browser's history. Each page renders into <main>
// and returns a cleanup function that stops its streams and timers.
import { auth, get, ApiError } from './api.js';
import { renderAccountMenu, closeMenuOnOutsideClick } from './account.js';
import { consolePage } from './console.js';
import { dashboardPage } from './dashboard.js';
import { invitePage } from './invite.js';
import { environmentPage, environmentsPage } from './environments.js';
import { keysPage } from './keys.js';
import { webhooksPage } from './webhooks.js';
import { newSessionPage } from './new-session.js';
import { PAGES, pathPattern } from './pages.js';
import { sessionPage } from './session.js';
import { signInPage } from './signin.js';
import { h, replace, toast } from './dom.js';

const main = document.getElementById('main');
const accountBox = document.getElementById('account');
let cleanup = () => {};
let me = null;

const routes = [
  [PAGES.dashboard, () => dashboardPage(main)],
  [PAGES.newSession, () => newSessionPage(main, { navigate, me })],
  [PAGES.keys, () => keysPage(main)],
  [PAGES.settings, () => consolePage(main, { me, section: 'workspace', navigate })],
  [PAGES.settingsSection, (section) => consolePage(main, { me, section, navigate })],
  [PAGES.webhooks, () => webhooksPage(main, { me })],
  [PAGES.environments, () => environmentsPage(main, { me, navigate })],
  [PAGES.newEnvironment, () => environmentPage(main, { id: null, me, navigate })],
  [PAGES.environment, (id) => environmentPage(main, { id, me, navigate })],
  [PAGES.session, (id) => sessionPage(main, { id, tab: 'conversation', navigate, me })],
  [PAGES.sessionDiff, (id) => sessionPage(main, { id, tab: 'diff', navigate, me })],
  [PAGES.sessionPreview, (id) => sessionPage(main, { id, tab: 'preview', navigate, me })],
].map(([path, page]) => [pathPattern(path), page]);

/** Shows the page for `path`, adding it to the browser's history. */
export function navigate(path) {
  history.pushState(null, '', path);
  render();
}

function render() {
  cleanup();
  cleanup = () => {};
  window.scrollTo(0, 0);
  const invite = new URLSearchParams(location.search).get('invite');
  if (invite) {
    cleanup = invitePage(main, { token: invite, me, onJoined: joined, onSignIn: () => showSignIn(null) });
    return;
  }
  if (!me) {
    showSignIn(null);
    return;
  }
  const path = location.pathname;
  for (const [pattern, page] of routes) {
    const m = path.match(pattern);
    if (m) {
      cleanup = page(...m.slice(1)) || (() => {});
      markCurrentNav(path);
      return;
    }
  }
  replace(main, h('div.empty', h('h1', 'Page not found'), h('a', { href: '/', 'data-link': true }, 'Back to sessions')));
}

function signedIn(now) {
  me = now;
  auth.remember(now);
  document.body.classList.remove('signed-out');
  renderAccountMenu(accountBox, now, { onSwitched: switched, onSignedOut: signedOut });
}

function showSignIn(message) {
  cleanup();
  cleanup = () => {};
  me = null;
  auth.forget();
  document.body.classList.add('signed-out');
  replace(accountBox);
  cleanup = signInPage(main, {
    message,
    onSignedIn: (now) => {
      signedIn(now);
      render();
      if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
    },
  });
}

function joined(now) {
  history.replaceState(null, '', '/');
  signedIn(now);
  toast(`Welcome to ${now.workspace.name}`);
  render();
}

function switched(now) {
  signedIn(now);
  // why: a session of the workspace left behind is not found in the new one
  if (location.pathname.startsWith('/sessions/')) navigate('/');
  else render();
}

function signedOut() {
  history.pushState(null, '', '/');
  showSignIn('You are signed out.');
}

function markCurrentNav(path) {
  for (const a of document.querySelectorAll('.topbar nav a')) {
    if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

async function start() {
  const params = new URLSearchParams(location.search);
  const failure = params.get('signInError');
  if (failure) {
    params.delete('signInError');
    history.replaceState(null, '', location.pathname + (params.size ? `?${params}` : ''));
  }
  // why: without the CSRF cookie there is no sign-in, so the sign-in page shows without a refused request
  if (auth.hasCookie()) {
    try {
      signedIn(await get('/api/me', { anonymous: true }));
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
    }
  }
  if (failure && !me) {
    showSignIn(`Single sign-on failed: ${failure}`);
    return;
  }
  if (failure) toast(`Single sign-on failed: ${failure}`, 'error');
  render();
}

auth.onSignedOut = () => {
  if (me) showSignIn('Your sign-in has ended. Sign in again.');
};
document.addEventListener('click', (e) => {
  closeMenuOnOutsideClick(e);
  const a = e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  if (a.getAttribute('href') !== location.pathname + location.search) navigate(a.getAttribute('href'));
  else render();
  // why: a page that put the focus on its first field keeps it
  if (!main.contains(document.activeElement)) main.focus({ preventScroll: true });
});
window.addEventListener('popstate', render);
start().catch((e) => replace(main, h('div.empty', h('h1', 'Magnet could not be reached'), h('p', e.message),
  h('a', { href: location.href }, 'Try again'))));

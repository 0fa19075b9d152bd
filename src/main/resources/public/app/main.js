// The app's entry: who is signed in, and a small router over the browser's history. Each page renders into <main>
// and returns a cleanup function that stops its streams and timers.
import { auth, get, ApiError } from './api.js';
import { renderAccountMenu, closeMenuOnOutsideClick } from './account.js';
import { dashboardPage } from './dashboard.js';
import { invitePage } from './invite.js';
import { newSessionPage } from './new-session.js';
import { PAGES, pathPattern } from './pages.js';
import { sessionPage } from './session.js';
import { signInPage } from './signin.js';
import { h, replace, toast } from './dom.js';

const main = document.getElementById('main');
const accountBox = document.getElementById('account');
let cleanup = () => {};
let me = null;

// why: the settings pages (console, environments, keys, webhooks) load when first opened, so a first visit, which
// shows the dashboard or a session, does not download them (UiRoutesIT weighs what a first visit loads)
const consolePages = () => import('./console.js');
const environmentPages = () => import('./environments.js');
const routes = [
  [PAGES.dashboard, () => dashboardPage(main)],
  [PAGES.newSession, () => newSessionPage(main, { navigate, me })],
  [PAGES.keys, later(() => import('./keys.js'), (m) => m.keysPage(main))],
  [PAGES.settings, later(consolePages, (m) => m.consolePage(main, { me, section: 'workspace', navigate }))],
  [PAGES.settingsSection, later(consolePages, (m, section) => m.consolePage(main, { me, section, navigate }))],
  [PAGES.webhooks, later(() => import('./webhooks.js'), (m) => m.webhooksPage(main, { me }))],
  [PAGES.environments, later(environmentPages, (m) => m.environmentsPage(main, { me, navigate }))],
  [PAGES.newEnvironment, later(environmentPages, (m) => m.environmentPage(main, { id: null, me, navigate }))],
  [PAGES.environment, later(environmentPages, (m, id) => m.environmentPage(main, { id, me, navigate }))],
  [PAGES.session, (id) => sessionPage(main, { id, tab: 'conversation', navigate, me })],
  [PAGES.sessionDiff, (id) => sessionPage(main, { id, tab: 'diff', navigate, me })],
  [PAGES.sessionPreview, (id) => sessionPage(main, { id, tab: 'preview', navigate, me })],
].map(([path, page]) => [pathPattern(path), page]);

/**
 * A page whose module is loaded when it is shown: `show(module, ...params)` renders it once loaded, unless the
 * visitor moved on meanwhile; returns the page's cleanup like any page.
 */
function later(load, show) {
  return (...params) => {
    let left = false;
    let stop = () => {};
    load().then((m) => {
      if (!left) {
        stop = show(m, ...params) || (() => {});
      }
    }).catch((e) => toast(`This page could not load: ${e.message}`));
    return () => {
      left = true;
      stop();
    };
  };
}

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

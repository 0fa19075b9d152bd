// The app's entry: a small router over the browser's history. Each page renders into <main> and returns
// a cleanup function that stops its streams and timers.
import { dashboardPage } from './dashboard.js';
import { newSessionPage } from './new-session.js';
import { sessionPage } from './session.js';
import { h, replace } from './dom.js';

const main = document.getElementById('main');
let cleanup = () => {};

const routes = [
  [/^\/$/, () => dashboardPage(main)],
  [/^\/new$/, () => newSessionPage(main, { navigate })],
  [/^\/sessions\/([\w-]+)$/, (id) => sessionPage(main, { id, tab: 'conversation', navigate })],
  [/^\/sessions\/([\w-]+)\/diff$/, (id) => sessionPage(main, { id, tab: 'diff', navigate })],
];

/** Shows the page for `path`, adding it to the browser's history. */
export function navigate(path) {
  history.pushState(null, '', path);
  render();
}

function render() {
  cleanup();
  window.scrollTo(0, 0);
  const path = location.pathname;
  for (const [pattern, page] of routes) {
    const m = path.match(pattern);
    if (m) {
      cleanup = page(...m.slice(1)) || (() => {});
      markCurrentNav(path);
      return;
    }
  }
  cleanup = () => {};
  replace(main, h('div.empty', h('h1', 'Page not found'), h('a', { href: '/', 'data-link': true }, 'Back to sessions')));
}

function markCurrentNav(path) {
  for (const a of document.querySelectorAll('.topbar nav a')) {
    if (a.getAttribute('href') === path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

document.addEventListener('click', (e) => {
  const a = e.target.closest('a[data-link]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  if (a.getAttribute('href') !== location.pathname + location.search) navigate(a.getAttribute('href'));
  else render();
  main.focus({ preventScroll: true });
});
window.addEventListener('popstate', render);
render();

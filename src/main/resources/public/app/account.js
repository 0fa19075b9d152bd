// The signed-in user's menu in the top bar: who is signed in, the workspace switcher, API keys and sign-out.
import { post } from './api.js';
import { h, replace, toast } from './dom.js';

/**
 * Renders the menu for `me` (the answer of GET /api/me) into `box`. `onSwitched(me)` gets the caller after a
 * workspace switch; `onSignedOut()` runs after sign-out.
 */
export function renderAccountMenu(box, me, { onSwitched, onSignedOut }) {
  const who = me.user.name || me.user.email;
  const menu = h('details.account-menu',
    h('summary', { 'aria-label': `Account: ${who}, workspace ${me.workspace.name}` },
      h('span.who', who), h('span.where', me.workspace.name)),
    h('div.menu-panel',
      h('p.signed-in-as', 'Signed in as ', h('strong', me.user.email)),
      workspaces(me, onSwitched),
      h('a', { href: '/settings', 'data-link': true }, 'Settings'),
      h('a', { href: '/environments', 'data-link': true }, 'Environments'),
      h('a', { href: '/keys', 'data-link': true }, 'API keys'),
      h('a', { href: '/webhooks', 'data-link': true }, 'Webhooks'),
      h('button#sign-out.link', { type: 'button', onclick: signOut }, 'Sign out')));
  menu.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
  menu.addEventListener('click', (e) => {
    if (e.target.closest('a')) menu.open = false;
  });
  replace(box, menu);

  async function signOut() {
    try {
      await post('/api/auth/signout');
    } catch (err) {
      toast(`Could not sign out: ${err.message}`, 'error');
      return;
    }
    onSignedOut();
  }
}

function workspaces(me, onSwitched) {
  if (me.workspaces.length < 2) return h('p.workspace-name', 'Workspace: ', h('strong', me.workspace.name));
  const select = h('select#workspace', { name: 'workspace' },
    me.workspaces.map((w) => h('option', { value: w.id, selected: w.id === me.workspace.id }, `${w.name} (${w.role})`)));
  select.addEventListener('change', async () => {
    select.disabled = true;
    try {
      const now = await post('/api/me/workspace', { workspaceId: select.value });
      toast(`Switched to ${now.workspace.name}`);
      onSwitched(now);
    } catch (err) {
      toast(err.message, 'error');
      select.value = me.workspace.id;
      select.disabled = false;
    }
  });
  return h('div.field', h('label', { for: 'workspace' }, 'Workspace'), select);
}

/** Closes an open account menu when the click was outside it. */
export function closeMenuOnOutsideClick(e) {
  const open = document.querySelector('details.account-menu[open]');
  if (open && !open.contains(e.target)) open.open = false;
}

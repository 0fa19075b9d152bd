// The page of an invite link (/?invite=<token>): shows the offer; accepting creates an account or adds the
// signed-in user to the workspace.
import { get, post, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { showSingleSignOn } from './signin.js';

/**
 * Renders the invite into `main`. `me` is the signed-in user or null; `onJoined(me)` gets the caller once they
 * are in the workspace (signed in, with it as the current workspace); `onSignIn()` shows the sign-in page.
 */
export function invitePage(main, { token, me, onJoined, onSignIn }) {
  replace(main, h('p.loading', 'Loading the invite…'));
  const path = `/api/invites/${encodeURIComponent(token)}`;
  get(path, { anonymous: true }).then((offer) => show(offer), (e) => {
    const gone = e instanceof ApiError && (e.status === 404 || e.status === 400);
    replace(main, h('section.auth-card',
      h('h1', 'This invite cannot be used'),
      h('p.muted', gone ? 'The link was used already, revoked, or it has expired. Ask an admin for a new one.' : e.message),
      h('a.button', { href: '/', 'data-link': true }, 'Go to Magnet')));
  });

  function show(offer) {
    const error = h('p#invite-error.error-text', { role: 'alert' });
    const submit = h('button.primary', { type: 'submit' }, me ? `Join ${offer.workspace.name}` : 'Create account and join');
    const form = h('form.signin-form', { 'aria-labelledby': 'invite-title' },
      h('h1#invite-title', `Join ${offer.workspace.name}`),
      h('p.muted', `You are invited as ${offer.role === 'admin' ? 'an admin' : 'a member'}. The link expires ${new Date(offer.expiresAt).toLocaleDateString()}.`),
      error);
    const fields = {};
    if (me) {
      form.append(h('p', `You are signed in as ${me.user.name || me.user.email} (${me.user.email}).`), h('div.actions', submit));
    } else {
      const field = (name, label, attrs) => {
        fields[name] = h(`input#invite-${name}`, { name, required: true, 'aria-describedby': 'invite-error', ...attrs });
        return h('div.field', h('label', { for: `invite-${name}` }, label), fields[name]);
      };
      const sso = h('div.sso', { hidden: true });
      form.append(
        field('name', 'Your name', { autocomplete: 'name', maxlength: 200 }),
        field('email', 'Email', { type: 'email', autocomplete: 'username', value: offer.email ?? '', readonly: Boolean(offer.email) }),
        field('password', 'Choose a password', { type: 'password', autocomplete: 'new-password', minlength: 10 }),
        h('p.hint', 'At least 10 characters.'),
        h('div.actions', h('button.link', { type: 'button', onclick: onSignIn }, 'I have an account: sign in first'), submit),
        sso);
      showSingleSignOn(sso, `/api/auth/oidc/start?invite=${encodeURIComponent(token)}`);
    }
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      error.textContent = '';
      try {
        if (me) {
          const joined = await post(`${path}/accept`, {});
          onJoined(await post('/api/me/workspace', { workspaceId: joined.workspace.id }));
        } else {
          onJoined(await post(`${path}/accept`, { name: fields.name.value.trim(), email: fields.email.value.trim(),
            password: fields.password.value }, { anonymous: true }));
        }
      } catch (err) {
        error.textContent = err.message;
        submit.disabled = false;
        (err.field && fields[err.field] || submit).focus();
      }
    });
    replace(main, h('section.auth-card', form));
    (fields.name || submit).focus();
  }
  return () => {};
}

// Modal dialogs built on <dialog>: focus is trapped and Escape cancels, as the browser does it.
import { h } from './dom.js';

/** Asks to confirm an action; resolves true when confirmed. */
export function confirmAction({ title, message, confirm, danger = false }) {
  return new Promise((resolve) => {
    const dialog = h('dialog.confirm', { 'aria-label': title },
      h('form', { method: 'dialog' },
        h('h2', title),
        h('p', message),
        h('div.actions',
          h('button', { type: 'submit', value: 'no' }, 'Keep going'),
          h('button', { type: 'submit', value: 'yes', class: danger ? 'danger' : 'primary' }, confirm))));
    dialog.addEventListener('close', () => {
      resolve(dialog.returnValue === 'yes');
      dialog.remove();
    });
    document.body.append(dialog);
    dialog.showModal();
    dialog.querySelector('button[value="yes"]').focus();
  });
}

/** A modal confirmation (the native <dialog>: focus moves into it and Escape cancels). Resolves true on confirm. */
import { h } from './dom.js';

export function confirmDialog(options: { title: string; text: string; confirm: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const titleId = 'confirm-title';
    const dialog = h('dialog', { 'aria-labelledby': titleId, class: 'confirm' },
      h('h2', { id: titleId }, options.title),
      h('p', {}, options.text),
      h('form', { method: 'dialog' },
        h('button', { value: 'cancel', autofocus: true }, 'Cancel'),
        h('button', { value: 'confirm', class: 'danger' }, options.confirm)));
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(dialog.returnValue === 'confirm');
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

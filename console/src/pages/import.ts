/**
 * Import: PFX files opened in the browser (console/src/pfx/), each password RSA-OAEP-encrypted there to the
 * connector's public key, and the result POSTed as the CLI's `import` would: the plaintext password never leaves
 * the page. One result line per file: "Imported", "Already imported" (409) or the reason.
 * The public key file last used is remembered in localStorage — it is public; the password is never kept.
 */
import { GraphApiError, postJson } from '../api.js';
import { showError, clearError } from '../alert.js';
import { field, h } from '../dom.js';
import { CERTIFICATES, PURPOSES } from '../model.js';
import { loadPfxLibrary, type PfxLibrary } from '../pfx-library.js';
// A type alone: erased from the build, so the library stays in its own chunk.
import type { PublicKey } from '../pfx/index.js';

const KEY_FILE = 'pfxstore.console.publicKeyFile';

interface RememberedKey {
  readonly name: string;
  readonly base64: string;
}

function remembered(): RememberedKey | undefined {
  try {
    const raw = localStorage.getItem(KEY_FILE);
    return raw ? JSON.parse(raw) as RememberedKey : undefined;
  } catch {
    return undefined;
  }
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export async function importPage(main: HTMLElement): Promise<void> {
  const pfxFiles = h('input', { type: 'file', multiple: true, accept: '.pfx,.p12', required: true });
  const password = h('input', { type: 'password', autocomplete: 'off' });
  const upn = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const purpose = h('select', {}, ...PURPOSES.map((p) => h('option', { value: p }, p)));
  const keyFile = h('input', { type: 'file', accept: '.pem,.der,.cer,.crt,.blob,.bin' });
  const providerName = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const keyName = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const keyNote = h('p', { class: 'hint', id: 'key-note' });
  keyFile.setAttribute('aria-describedby', 'key-note');
  const showRemembered = () => {
    const key = remembered();
    keyNote.textContent = key ? `Without a file, the last one used is used: ${key.name}.` : 'PEM SPKI, PKCS#1, a certificate, or a CNG RSA public blob.';
  };
  showRemembered();
  const results = h('ul', { class: 'results', 'aria-live': 'polite', 'aria-label': 'Import results' });
  const submit = h('button', { type: 'submit' }, 'Import');
  const form = h('form', {
    class: 'import',
    onsubmit: async (event) => {
      event.preventDefault();
      submit.disabled = true;
      results.replaceChildren();
      try {
        const library = await loadPfxLibrary();
        const publicKey = await library.readPublicKey(await publicKeyBytes(keyFile));
        showRemembered();
        clearError();
        for (const file of Array.from(pfxFiles.files ?? [])) {
          const line = await importOne(library, file, {
            password: password.value, publicKey, upn: upn.value.trim(), purpose: purpose.value,
            providerName: providerName.value.trim(), keyName: keyName.value.trim(),
          });
          results.append(h('li', {}, `${file.name}: ${line}`));
        }
      } catch (err) {
        showError(err);
      } finally {
        submit.disabled = false;
      }
    },
  },
  field('PFX files', pfxFiles),
  field('Password', password),
  field('User principal name', upn),
  field('Purpose', purpose),
  field('Public key file', keyFile),
  keyNote,
  field('Provider name', providerName),
  field('Key name', keyName),
  submit);
  main.replaceChildren(h('h1', {}, 'Import'), form, h('h2', {}, 'Results'), results);
}

/** The chosen key file (remembered for next time), or the one remembered. */
async function publicKeyBytes(input: HTMLInputElement): Promise<Uint8Array> {
  const file = input.files?.[0];
  if (file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    localStorage.setItem(KEY_FILE, JSON.stringify({ name: file.name, base64: toBase64(bytes) } satisfies RememberedKey));
    return bytes;
  }
  const key = remembered();
  if (!key) throw new Error('Choose a public key file: the connector key the PFX passwords are encrypted to.');
  return fromBase64(key.base64);
}

interface ImportFields {
  readonly password: string;
  readonly publicKey: PublicKey;
  readonly upn: string;
  readonly purpose: string;
  readonly providerName: string;
  readonly keyName: string;
}

/** One file's result line. */
async function importOne(library: PfxLibrary, file: File, fields: ImportFields): Promise<string> {
  try {
    const pfxBytes = new Uint8Array(await file.arrayBuffer());
    const opened = await library.openPfx(pfxBytes, fields.password);
    const body = await library.buildCertificateBody({ pfxBytes, opened, ...fields });
    await postJson(CERTIFICATES, body);
    return 'Imported';
  } catch (err) {
    if (err instanceof GraphApiError && err.status === 409) return 'Already imported';
    return err instanceof Error ? err.message : String(err);
  }
}

/** A few lines instead of a UI library: elements built from a tag, attributes and children, plus event handlers. */

type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => unknown;
export type Props = Record<string, string | number | boolean | Handler | null | undefined>;

/**
 * `h('button', { type: 'button', onclick: fn }, 'Delete')`. Attributes are set as attributes (so `aria-*`,
 * `for`, `class` work as written); `on…` are listeners; `value` and `checked` are set as properties, the
 * form state the user sees. false/null/undefined leave an attribute out.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  setProps(element, props);
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The same for SVG elements (the Expiry chart). */
export function svg(tag: string, props: Props = {}, ...children: Child[]): SVGElement {
  const element = document.createElementNS(SVG_NS, tag);
  setProps(element, props);
  append(element, children);
  return element;
}

function setProps(element: Element, props: Props): void {
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'value' || name === 'checked') {
      (element as unknown as Record<string, unknown>)[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
}

function append(element: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Empties an element and fills it with the children. */
export function replace(element: Element, ...children: Child[]): void {
  element.replaceChildren();
  append(element, children);
}

/** A labelled form field: the label names the control, the accessible name a test and a screen reader use. */
export function field(label: string, control: HTMLElement): HTMLElement {
  const id = control.id || `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

/** A date as YYYY-MM-DD in local time (sorts as text, reads the same everywhere), or an em dash. */
export function shortDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString('en-CA');
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString('en-CA', { hour12: false });
}

type Attrs = Record<string, string | boolean | undefined | ((event: Event) => void)>;

/**
 * A DOM element with attributes, listeners (`on…`) and children: the widget's
 * whole UI toolkit. Text goes in as text nodes, never as HTML, so a message
 * can never inject markup.
 *
 * @example
 *   h('button', { type: 'button', 'data-testid': 'cc-send', onclick: send }, 'Send')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children) if (child !== undefined) el.append(child);
  return el;
}

/** Shows or hides an element (the `hidden` attribute, which the stylesheet honours). */
export const show = (el: HTMLElement, visible: boolean): void => {
  el.hidden = !visible;
};

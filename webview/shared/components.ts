// The panels' plain UI primitives: element creation (`h`), native buttons in VS Code's button look,
// the slider (a native range input: the toolkit has none) and the full-area states. Nothing here
// loads @vscode/webview-ui-toolkit: a panel that needs only these (the runs table, which must paint
// fast) bundles none of it. The toolkit's controls are in toolkitControls.ts.

type Child = Node | string | null | undefined | false;

/** document.createElement with attributes/properties and children. `on*` functions become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Record<string, unknown>, ...children: Child[]): HTMLElementTagNameMap[K];
/** The same for custom elements (`vscode-button`, …). */
export function h(tag: string, props?: Record<string, unknown>, ...children: Child[]): HTMLElement;
export function h(tag: string, props: Record<string, unknown> = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    else if (key === 'className') el.className = String(value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') (el as unknown as Record<string, unknown>)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) el.append(child);
  return el;
}

/**
 * A native <button> in the toolkit button's look (VS Code's button colours and focus ring, `disabled`,
 * `.btn.plain` in panel.css), for panels that must paint fast: a toolkit button is a custom element
 * with its own shadow tree, template and styles, each costly to create and lay out; a panel that
 * makes only these loads no toolkit code at all.
 */
export function nativeButton(label: string, onClick: () => void, options: { title?: string; secondary?: boolean; icon?: string } = {}): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', className: `btn plain ${options.secondary ? 'secondary' : 'primary'}`, title: options.title, onclick: onClick },
    options.icon ? h('span', { className: 'icon', 'aria-hidden': 'true' }, options.icon) : null,
    label,
  );
}

export function slider(
  label: string,
  min: number,
  max: number,
  step: number,
  value: number,
  onInput: (value: number) => void,
  format: (v: number) => string,
): HTMLLabelElement {
  const output = h('output', {}, format(value));
  const input = h('input', {
    type: 'range',
    min: String(min),
    max: String(max),
    step: String(step),
    value: String(value),
    oninput: (e: Event) => {
      const v = Number((e.target as HTMLInputElement).value);
      output.textContent = format(v);
      onInput(v);
    },
  });
  return h('label', { className: 'field slider' }, h('span', {}, label), input, output);
}

/** A full-area state: loading, or an error with a retry. */
export function stateView(kind: 'loading' | 'error' | 'empty', message: string, retry?: () => void): HTMLElement {
  return h(
    'div',
    { className: `state ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    kind === 'loading' ? h('span', { className: 'spinner', 'aria-hidden': 'true' }) : null,
    h('p', {}, message),
    retry ? nativeButton('Retry', retry) : null,
  );
}

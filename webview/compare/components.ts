// The panel's UI primitives, in one module so the look can be swapped (the webview UI toolkit is
// archived upstream). Plain elements styled with VS Code's theme variables (compare.css), so light,
// dark and high-contrast themes look native; keyboard behaviour follows the WAI-ARIA patterns.

type Child = Node | string | null | undefined | false;

/** document.createElement with attributes/properties and children. `on*` functions become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
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

export function button(label: string, onClick: () => void, options: { title?: string; secondary?: boolean; icon?: string } = {}): HTMLButtonElement {
  return h('button', { type: 'button', className: options.secondary ? 'btn secondary' : 'btn', title: options.title, onclick: onClick }, options.icon ? h('span', { className: 'icon', 'aria-hidden': 'true' }, options.icon) : null, label);
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void, options: { title?: string; name?: string } = {}): HTMLLabelElement {
  const input = h('input', { type: 'checkbox', checked, name: options.name, onchange: (e: Event) => onChange((e.target as HTMLInputElement).checked) });
  return h('label', { className: 'checkbox', title: options.title }, input, h('span', {}, label));
}

export function select(label: string, options: { value: string; label: string }[], value: string, onChange: (value: string) => void): HTMLLabelElement {
  const el = h('select', { onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) }, ...options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  return h('label', { className: 'field' }, h('span', {}, label), el);
}

export function slider(label: string, min: number, max: number, step: number, value: number, onInput: (value: number) => void, format: (v: number) => string): HTMLLabelElement {
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

export interface TabSpec {
  id: string;
  label: string;
  render: () => Node;
}

/**
 * ARIA tabs: one tab stop; ←/→ (and Home/End) move between tabs and select them. `selected` is the
 * initial tab id; `onSelect` is told of every change.
 */
export function tabs(specs: TabSpec[], selected: string, onSelect: (id: string) => void): { root: HTMLElement; select: (id: string) => void; rerender: () => void } {
  const list = h('div', { role: 'tablist', className: 'tabs', 'aria-label': 'Comparison' });
  const panel = h('div', { role: 'tabpanel', className: 'tabpanel', tabindex: '0' });
  let current = specs.some((s) => s.id === selected) ? selected : specs[0].id;
  const buttons = specs.map((spec) =>
    h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `tab-${spec.id}`,
        className: 'tab',
        'aria-controls': 'tabpanel',
        onclick: () => choose(spec.id, false),
        onkeydown: (e: KeyboardEvent) => {
          const index = specs.findIndex((s) => s.id === spec.id);
          const next = e.key === 'ArrowRight' ? index + 1 : e.key === 'ArrowLeft' ? index - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? specs.length - 1 : undefined;
          if (next === undefined) return;
          e.preventDefault();
          choose(specs[(next + specs.length) % specs.length].id, true);
        },
      },
      spec.label,
    ),
  );
  panel.id = 'tabpanel';
  list.append(...buttons);
  function paint(): void {
    buttons.forEach((b, i) => {
      const on = specs[i].id === current;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    });
    panel.setAttribute('aria-labelledby', `tab-${current}`);
    panel.replaceChildren(specs.find((s) => s.id === current)!.render());
  }
  function choose(id: string, focus: boolean): void {
    current = id;
    paint();
    if (focus) buttons[specs.findIndex((s) => s.id === id)].focus();
    onSelect(id);
  }
  paint();
  return { root: h('div', { className: 'tabs-root' }, list, panel), select: (id) => choose(id, false), rerender: paint };
}

/** A full-area state: loading, or an error with a retry. */
export function stateView(kind: 'loading' | 'error' | 'empty', message: string, retry?: () => void): HTMLElement {
  return h(
    'div',
    { className: `state ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    kind === 'loading' ? h('span', { className: 'spinner', 'aria-hidden': 'true' }) : null,
    h('p', {}, message),
    retry ? button('Retry', retry) : null,
  );
}

// The toolkit controls of the panels, in one module so their implementation can be swapped: web
// components of @vscode/webview-ui-toolkit (VS Code's look and theme tokens, keyboard behaviour of
// the WAI-ARIA patterns). The toolkit is archived upstream; @vscode-elements/elements is its
// successor, and only this module would change. Big tables stay plain <table>s (tables.ts) for
// speed; plain elements and native controls are in components.ts.
//
// A component is registered with the design system when a panel first makes one: a panel pays only
// for the components it shows (registering costs a definition, styles and design tokens each). Under the panel's
// strict CSP (no 'unsafe-inline' styles) the toolkit works because Chromium gives its components
// constructable stylesheets (adoptedStyleSheets), which style-src does not govern, and the
// components write inline styles only through the CSSOM (element.style), which CSP allows too.
// The one <style> element FAST adds (a feature test) gets the page's nonce: see cspNonce.ts.
import './cspNonce';
import {
  provideVSCodeDesignSystem,
  vsCodeButton,
  vsCodeCheckbox,
  vsCodeDropdown,
  vsCodeOption,
  vsCodePanels,
  vsCodePanelTab,
  vsCodePanelView,
  vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

import { h } from './components';

const registered = new Set<() => unknown>();

/** Registers the toolkit components (each once) before the first of them is made. */
function use(...components: (() => unknown)[]): void {
  const missing = components.filter((c) => !registered.has(c));
  if (!missing.length) return;
  for (const c of missing) registered.add(c);
  provideVSCodeDesignSystem().register(...missing.map((c) => c()));
}

/** A toolkit button (`<vscode-button>`): focusable, Enter/Space click it, `disabled` works as on <button>. */
export type ButtonElement = HTMLElement & { disabled: boolean; appearance: string };

export function button(label: string, onClick: () => void, options: { title?: string; secondary?: boolean; icon?: string } = {}): ButtonElement {
  use(vsCodeButton);
  return h(
    'vscode-button',
    { appearance: options.secondary ? 'secondary' : 'primary', className: 'btn', title: options.title, onclick: onClick },
    options.icon ? h('span', { slot: 'start', className: 'icon', 'aria-hidden': 'true' }, options.icon) : null,
    label,
  ) as ButtonElement;
}

/**
 * A toolkit checkbox with its label, in a <label> (clicks on the label's padding toggle it too).
 * `onChange` hears the user's changes only.
 */
export function checkbox(
  label: string,
  checked: boolean,
  onChange: (checked: boolean) => void,
  options: { title?: string; name?: string } = {},
): HTMLLabelElement {
  use(vsCodeCheckbox);
  const box = h('vscode-checkbox', { checked, name: options.name }, label) as HTMLElement & { checked: boolean };
  // Listened to after `checked` is set: the initial value is not a change.
  box.addEventListener('change', (e) => {
    if (e.target === box) onChange(box.checked);
  });
  return h('label', { className: 'checkbox', title: options.title }, box);
}

/** A toolkit dropdown (`<vscode-dropdown>`) with a visible label. */
export function select(label: string, options: { value: string; label: string }[], value: string, onChange: (value: string) => void): HTMLLabelElement {
  use(vsCodeDropdown, vsCodeOption);
  const dropdown = h(
    'vscode-dropdown',
    {},
    ...options.map((o) => h('vscode-option', { value: o.value, selected: o.value === value ? '' : undefined }, o.label)),
  ) as HTMLElement & { value: string };
  let settingUp = true;
  dropdown.addEventListener('change', (e) => {
    if (e.target === dropdown && !settingUp) onChange(dropdown.value);
  });
  // The dropdown shows its first option until its options are connected: select `value` then,
  // without telling onChange (it is not the user's change).
  requestAnimationFrame(() => {
    if (dropdown.value !== value && options.some((o) => o.value === value)) dropdown.value = value;
    settingUp = false;
  });
  return h('label', { className: 'field' }, h('span', {}, label), dropdown);
}

/** A toolkit text field (`<vscode-text-field>`) with its label; `onInput` hears every keystroke. */
export function textField(
  label: string,
  value: string,
  onInput: (value: string) => void,
  options: { placeholder?: string; title?: string; name?: string } = {},
): HTMLLabelElement {
  use(vsCodeTextField);
  const field = h('vscode-text-field', { value, placeholder: options.placeholder, name: options.name, 'aria-label': label }) as HTMLElement & { value: string };
  field.addEventListener('input', (e) => {
    if (e.target === field) onInput(field.value);
  });
  return h('label', { className: 'field', title: options.title }, h('span', {}, label), field);
}

export interface TabSpec {
  id: string;
  label: string;
  render: () => Node;
}

/**
 * Toolkit panel tabs (`<vscode-panels>`, ARIA tabs): one tab stop; ←/→ and Home/End move between
 * tabs and select them. Tab i has the id `tab-<id>`. Only the selected tab's content is rendered
 * (`render` is called when a tab is shown and on `rerender`); the others are emptied. `selected` is
 * the initial tab id; `onSelect` is told of every change.
 */
export function tabs(
  specs: TabSpec[],
  selected: string,
  onSelect: (id: string) => void,
): { root: HTMLElement; select: (id: string) => void; rerender: () => void } {
  use(vsCodePanels, vsCodePanelTab, vsCodePanelView);
  let current = specs.some((s) => s.id === selected) ? selected : specs[0].id;
  const views = specs.map((spec) => h('vscode-panel-view', { id: `view-${spec.id}`, className: 'tabpanel' }));
  const root = h(
    'vscode-panels',
    { className: 'tabs-root', activeid: `tab-${current}`, 'aria-label': 'Comparison' },
    ...specs.map((spec) => h('vscode-panel-tab', { id: `tab-${spec.id}`, className: 'tab' }, spec.label)),
    ...views,
  ) as HTMLElement & { activeid: string };
  function paint(): void {
    specs.forEach((spec, i) => {
      if (spec.id === current) views[i].replaceChildren(spec.render());
      else if (views[i].firstChild) views[i].replaceChildren();
    });
  }
  function choose(id: string): void {
    if (id === current) return;
    current = id;
    if (root.activeid !== `tab-${id}`) root.activeid = `tab-${id}`;
    paint();
    onSelect(id);
  }
  // `change` also bubbles up from the checkboxes and dropdowns inside the views: only the tabs' own counts.
  root.addEventListener('change', (e) => {
    if (e.target !== root) return;
    const id = root.activeid?.replace(/^tab-/, '');
    if (id && specs.some((s) => s.id === id)) choose(id);
  });
  paint();
  return { root, select: choose, rerender: paint };
}

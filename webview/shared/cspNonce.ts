// Imported first by components.ts, before the toolkit: FAST (under @vscode/webview-ui-toolkit)
// feature-detects :focus-visible at module load by adding an empty <style> to <head>, which the
// panel's CSP refuses unless it carries the page's nonce. FAST takes that nonce from
// <meta property="csp-nonce">; the extension's HTML puts it on #app (data-nonce). Nothing else is
// allowed by this: the nonce is the page's own, already readable by its script.
const nonce = document.getElementById('app')?.dataset.nonce;
if (nonce && !document.querySelector('meta[property="csp-nonce"]')) {
  const meta = document.createElement('meta');
  meta.setAttribute('property', 'csp-nonce');
  meta.setAttribute('content', nonce);
  document.head.append(meta);
}

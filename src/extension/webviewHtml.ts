import * as crypto from 'node:crypto';
import * as vscode from 'vscode';

// The one HTML/CSP builder of the extension's webview panels: a strict Content Security Policy with
// a nonce, one script and one stylesheet from dist/webview (the bundle scripts/build.mjs makes for
// webview/<bundle>/main.ts), no inline script, no remote content.

/** Options of every panel: scripts on, resources only from dist/webview. */
export function webviewPanelOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: false,
    enableFindWidget: true,
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview')],
  };
}

/** The page of a panel whose code is dist/webview/<bundle>.js (+ .css); `loading` shows until it runs. */
export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, o: { bundle: string; title: string; loading: string }): string {
  const nonce = crypto.randomBytes(18).toString('base64');
  const base = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(base, `${o.bundle}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(base, `${o.bundle}.css`));
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${webview.cspSource} 'nonce-${nonce}'`,
    `img-src ${webview.cspSource} data:`,
    `font-src ${webview.cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}" nonce="${nonce}">
<title>${escapeHtml(o.title)}</title>
</head>
<body>
<div id="app" data-nonce="${nonce}"><p class="state">${escapeHtml(o.loading)}</p></div>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

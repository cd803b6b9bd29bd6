/** Colours the canvas needs as real values: read from VS Code's theme variables on <body>. */
export function themeColors(): { fg: string; muted: string; grid: string; bg: string; palette: string[] } {
  const style = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  const palette = ['blue', 'orange', 'green', 'red', 'purple', 'yellow'].map((c, i) =>
    v(`--vscode-charts-${c}`, ['#3794ff', '#d18616', '#89d185', '#f14c4c', '#b180d7', '#cca700'][i]),
  );
  return {
    fg: v('--vscode-editor-foreground', '#cccccc'),
    muted: v('--vscode-descriptionForeground', '#999999'),
    grid: v('--vscode-editorWidget-border', v('--vscode-panel-border', 'rgba(128,128,128,0.35)')),
    bg: v('--vscode-editor-background', '#1e1e1e'),
    palette,
  };
}

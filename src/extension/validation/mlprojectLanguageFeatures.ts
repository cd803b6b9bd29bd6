import * as path from 'node:path';
import * as vscode from 'vscode';
import { declaredParameters, isInCommandPlaceholder, yamlContextAt, type YamlCursorContext } from '../../engine/editing/yamlCursorContext';
import { keyDocsByLevel, parameterTypes, type KeyDoc } from '../../engine/validation/mlprojectSchema';

/** MLproject files in any folder, whatever language VS Code gave them (yaml, or plaintext without it). */
export const MLPROJECT_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', pattern: '**/{MLproject,mlproject}' },
  { scheme: 'untitled', language: 'yaml', pattern: '**/{MLproject,mlproject}' },
];

/** The keys allowed where the cursor is, from the path of enclosing keys. */
function keysAt(context: YamlCursorContext): readonly KeyDoc[] | undefined {
  const p = context.path;
  if (p.length === 0) return keyDocsByLevel.topLevel;
  if (p[0] === 'entry_points' && p.length === 2) return keyDocsByLevel.entryPoint;
  if (p[0] === 'entry_points' && p.length === 4 && p[2] === 'parameters') return keyDocsByLevel.parameter;
  if (p[0] === 'docker_env' && p.length === 1) return keyDocsByLevel.dockerEnv;
  if (p[0] === 'databricks_spark_job' && p.length === 1) return keyDocsByLevel.databricksSparkJob;
  return undefined;
}

function docMarkdown(doc: KeyDoc): vscode.MarkdownString {
  return new vscode.MarkdownString(`**${doc.key}**\n\n${doc.description}\n\n[MLflow documentation](${doc.docsUrl})`);
}

export class MlprojectCompletion implements vscode.CompletionItemProvider {
  static readonly triggerCharacters = ['{', ' ', ':'];

  provideCompletionItems(document: vscode.TextDocument, position: vscode.Position): vscode.CompletionItem[] {
    const text = document.getText();
    const context = yamlContextAt(text, document.offsetAt(position));
    if (isInCommandPlaceholder(context)) {
      const entryPoint = context.path[0] === 'entry_points' ? context.path[1] : undefined;
      return entryPoint === undefined
        ? []
        : declaredParameters(text, entryPoint).map((name) => {
            const item = new vscode.CompletionItem(name, vscode.CompletionItemKind.Variable);
            item.detail = `parameter of entry point '${entryPoint}'`;
            return item;
          });
    }
    if (context.valueKey === 'type' && context.path[0] === 'entry_points') {
      return parameterTypes.map((t) => {
        const item = new vscode.CompletionItem(t.type, vscode.CompletionItemKind.EnumMember);
        item.documentation = new vscode.MarkdownString(t.description);
        return item;
      });
    }
    // Short form `alpha: fl|` under parameters.
    if (context.valueKey && context.path.length === 3 && context.path[0] === 'entry_points' && context.path[2] === 'parameters') {
      return parameterTypes.map((t) => new vscode.CompletionItem(t.type, vscode.CompletionItemKind.EnumMember));
    }
    if (!context.inKey) return [];
    const keys = keysAt(context);
    if (!keys) return [];
    return keys.map((doc) => {
      const item = new vscode.CompletionItem(doc.key, vscode.CompletionItemKind.Property);
      item.documentation = docMarkdown(doc);
      item.insertText = `${doc.key}: `;
      return item;
    });
  }
}

export class MlprojectHover implements vscode.HoverProvider {
  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const range = document.getWordRangeAtPosition(position, /[A-Za-z0-9_.-]+/);
    if (!range) return undefined;
    const word = document.getText(range);
    const context = yamlContextAt(document.getText(), document.offsetAt(range.start));
    if (context.keyUnderCursor === word) {
      const doc = keysAt({ ...context, inKey: true })?.find((k) => k.key === word);
      if (doc) return new vscode.Hover(docMarkdown(doc), range);
    }
    if (context.valueKey === 'type' || (context.path[2] === 'parameters' && context.valueKey)) {
      const type = parameterTypes.find((t) => t.type === word);
      if (type) return new vscode.Hover(new vscode.MarkdownString(`**${type.type}** (parameter type)\n\n${type.description}`), range);
    }
    return undefined;
  }
}

/** Links the values of conda_env / python_env (and databricks_spark_job.python_file) to the files. */
export class MlprojectEnvFileLinks implements vscode.DocumentLinkProvider {
  provideDocumentLinks(document: vscode.TextDocument): vscode.DocumentLink[] {
    const links: vscode.DocumentLink[] = [];
    const folder = path.dirname(document.uri.fsPath);
    const pattern = /^([ \t]*)(conda_env|python_env|python_file)[ \t]*:[ \t]*["']?([^"'#\s]+)["']?/gm;
    const text = document.getText();
    for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
      const value = match[3];
      const start = match.index + match[0].lastIndexOf(value);
      const link = new vscode.DocumentLink(
        new vscode.Range(document.positionAt(start), document.positionAt(start + value.length)),
        vscode.Uri.file(path.resolve(folder, value)),
      );
      link.tooltip = `Open ${value}`;
      links.push(link);
    }
    return links;
  }
}

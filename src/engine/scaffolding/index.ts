/** The project scaffolder: cookiecutter-style templates rendered, planned and written without vscode. */
export { deriveSlug, isValidPackageName, packageNameProblem } from './pythonSlug';
export { renderString, renderText, CompiledTemplate, TemplateSyntaxError, type TemplateContext } from './templateRenderer';
export {
  listBuiltInTemplates,
  loadTemplate,
  resolveAnswers,
  resolveTemplatesDir,
  TemplateError,
  type LoadedTemplate,
  type TemplateSummary,
  type TemplateVariable,
} from './templateLoader';
export { renderTemplate, isBinary, fnmatch, type RenderedFile, type RenderedProject } from './projectRenderer';
export { planScaffold, writeScaffold, ScaffoldError, type ScaffoldPlan, type ScaffoldProgress, type ScaffoldResult, type WriteScaffoldOptions } from './scaffoldWriter';
export { gitInit, loadUserTemplate, isGitUrl, defaultTemplateCacheDir, type GitInitResult, type UserTemplateOptions } from './gitRepository';

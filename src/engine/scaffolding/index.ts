/** The project scaffolder: cookiecutter templates rendered by real cookiecutter, checked, planned and written without vscode. */
export { deriveSlug, isValidPackageName, packageNameProblem } from './pythonSlug';
export {
  formatAnswer,
  listBuiltInTemplates,
  loadTemplate,
  parseAnswers,
  resolveTemplatesDir,
  templateCode,
  TemplateError,
  type LoadedTemplate,
  type NestedTemplate,
  type TemplateAnswer,
  type TemplateAnswers,
  type TemplateSummary,
  type TemplateVariable,
  type VariableKind,
} from './templateLoader';
export { COOKIECUTTER_REQUIREMENT, CookiecutterMissingError, cookiecutterVersion, type ComputedContext } from './cookiecutterDriver';
export { chooseNestedTemplate, disposePreparedTemplate, prepareTemplate, renderProject, templateContext, TemplateCodeConsentError, type RenderedFile, type RenderedProject, type RenderOptions } from './projectRenderer';
export { planScaffold, writeScaffold, ScaffoldError, type ScaffoldPlan, type ScaffoldProgress, type ScaffoldResult, type WriteScaffoldOptions } from './scaffoldWriter';
export { gitInit, loadUserTemplate, isGitUrl, defaultTemplateCacheDir, type GitInitResult, type UserTemplateOptions } from './gitRepository';

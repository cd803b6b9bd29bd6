/** The project scaffolder: cookiecutter templates rendered by real cookiecutter, checked, planned and written without vscode. */
export { packageNameProblem } from './pythonSlug';
export {
  formatAnswer,
  listBuiltInTemplates,
  loadTemplate,
  templateCode,
  type LoadedTemplate,
  type TemplateAnswer,
  type TemplateAnswers,
  type TemplateVariable,
} from './templateLoader';
export { CookiecutterMissingError, cookiecutterVersion } from './cookiecutterDriver';
export { chooseNestedTemplate, disposePreparedTemplate, prepareTemplate, renderProject, templateContext, type RenderedProject } from './projectRenderer';
export { planScaffold, writeScaffold } from './scaffoldWriter';
export { gitInit, loadUserTemplate } from './gitRepository';

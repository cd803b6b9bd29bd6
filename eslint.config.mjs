import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.venv/**', 'test/fixtures/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', URL: 'readonly', __dirname: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The engine runs in plain Node and in the CLI: it must never import vscode.
    files: ['src/engine/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'vscode', message: 'The engine and the CLI must not depend on vscode; put VS Code code in src/extension/.' }] }],
    },
  },
  {
    files: ['test/vscode/host/**/*.ts'],
    languageOptions: { globals: { suite: 'readonly', test: 'readonly', setup: 'readonly', teardown: 'readonly', suiteSetup: 'readonly', suiteTeardown: 'readonly' } },
  },
);

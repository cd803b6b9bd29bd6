import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderString, renderText, TemplateSyntaxError } from '../../../src/engine/scaffolding/templateRenderer';

const ctx = { name: 'My Project', slug: 'my_project', ci: 'github', env: 'conda', flag: 'yes', empty: '' };

function fails(source: string, line: number, message: RegExp, file = 'tpl/file.txt'): void {
  assert.throws(
    () => renderString(source, ctx, file),
    (err: unknown) => {
      assert.ok(err instanceof TemplateSyntaxError, `expected a TemplateSyntaxError, got ${String(err)}`);
      assert.equal(err.file, file);
      assert.equal(err.line, line);
      assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}: `));
      assert.match(err.message, message);
      return true;
    },
  );
}

describe('templateRenderer: variables and filters', () => {
  it('substitutes cookiecutter variables with or without spaces', () => {
    assert.equal(renderString('a {{cookiecutter.slug}} b {{ cookiecutter.name }}', ctx), 'a my_project b My Project');
  });
  it('applies lower, upper, title, trim and replace, chained left to right', () => {
    assert.equal(renderString("{{ cookiecutter.name|lower|replace(' ', '_') }}", ctx), 'my_project');
    assert.equal(renderString('{{ cookiecutter.name | upper }}', ctx), 'MY PROJECT');
    assert.equal(renderString("{{ 'hello big-world'|title }}", ctx), 'Hello Big-World');
    assert.equal(renderString("{{ '  x  '|trim }}|", ctx), 'x|');
    assert.equal(renderString('{{ cookiecutter.slug|replace("_", "-")|upper }}', ctx), 'MY-PROJECT');
  });
  it('replace changes every occurrence, as Jinja does', () => {
    assert.equal(renderString("{{ 'a.b.c'|replace('.', '/') }}", ctx), 'a/b/c');
  });
  it('leaves text without template syntax untouched, including lone braces', () => {
    const text = 'def f(): return {"a": 1} # {not jinja}\n';
    assert.equal(renderString(text, ctx), text);
  });
  it('drops {# comments #}', () => {
    assert.equal(renderString('a{# note #}b', ctx), 'ab');
  });
  it('keeps {% raw %} blocks verbatim (GitHub Actions expressions)', () => {
    assert.equal(renderString('if: {% raw %}${{ secrets.TOKEN }}{% endraw %} {{ cookiecutter.ci }}', ctx), 'if: ${{ secrets.TOKEN }} github');
  });
});

describe('templateRenderer: conditionals', () => {
  it('if / elif / else pick the first true branch', () => {
    const t = "{% if cookiecutter.env == 'python_env' %}P{% elif cookiecutter.env == 'conda' %}C{% else %}D{% endif %}";
    assert.equal(renderString(t, ctx), 'C');
    assert.equal(renderString(t, { ...ctx, env: 'python_env' }), 'P');
    assert.equal(renderString(t, { ...ctx, env: 'docker' }), 'D');
  });
  it('supports !=, and, or, not and parentheses', () => {
    assert.equal(renderString("{% if cookiecutter.ci != 'none' and cookiecutter.env == 'conda' %}y{% endif %}", ctx), 'y');
    assert.equal(renderString("{% if cookiecutter.ci == 'azure' or cookiecutter.env == 'conda' %}y{% endif %}", ctx), 'y');
    assert.equal(renderString("{% if not cookiecutter.ci == 'azure' %}y{% endif %}", ctx), 'y');
    assert.equal(renderString("{% if not (cookiecutter.ci == 'github' or cookiecutter.env == 'x') %}y{% else %}n{% endif %}", ctx), 'n');
  });
  it('uses Jinja truthiness: only the empty string is false ("no" is true)', () => {
    assert.equal(renderString('{% if cookiecutter.empty %}a{% else %}b{% endif %}', ctx), 'b');
    assert.equal(renderString("{% if cookiecutter.flag %}a{% endif %}", { ...ctx, flag: 'no' }), 'a');
  });
  it('nests conditionals', () => {
    const t = "{% if cookiecutter.ci == 'github' %}G{% if cookiecutter.env == 'conda' %}+C{% endif %}{% endif %}";
    assert.equal(renderString(t, ctx), 'G+C');
    assert.equal(renderString(t, { ...ctx, ci: 'azure' }), '');
  });
  it('without "-" keeps the newlines around tags (no trim_blocks, like cookiecutter)', () => {
    assert.equal(renderString("a\n{% if cookiecutter.flag %}\nb\n{% endif %}\nc", ctx), 'a\n\nb\n\nc');
  });
  it('"{%-" strips whitespace before the tag and "-%}" after it', () => {
    const t = "a\n{%- if cookiecutter.flag %}\nb\n{%- endif %}\nc";
    assert.equal(renderString(t, ctx), 'a\nb\nc');
    assert.equal(renderString(t, { ...ctx, flag: '' }), 'a\nc');
    assert.equal(renderString('x  {{- cookiecutter.ci -}}  y', ctx), 'xgithuby');
    assert.equal(renderString('{%- if cookiecutter.flag -%}\n  body\n{%- endif -%}\n', ctx), 'body');
  });
  it('reports whether a source had a conditional, for "empty under a conditional ⇒ skip"', () => {
    assert.deepEqual(renderText("{% if cookiecutter.ci == 'azure' %}x{% endif %}", ctx, 'f'), { text: '', hasConditional: true });
    assert.deepEqual(renderText('{{ cookiecutter.empty }}', ctx, 'f'), { text: '', hasConditional: false });
  });
});

describe('templateRenderer: clear errors for what it does not support', () => {
  it('rejects loops with file and line', () => fails('line1\n{% for x in cookiecutter.items %}{{ x }}{% endfor %}', 2, /loops \(\{% for %\}\) is not supported/));
  it('rejects macros', () => fails('{% macro m() %}x{% endmacro %}', 1, /macros/));
  it('rejects include', () => fails('a\nb\n{% include "other.txt" %}', 3, /\{% include %\} is not supported/));
  it('rejects set', () => fails('{% set x = 1 %}', 1, /assignments/));
  it('rejects extension tags such as {% now %}', () => fails("{% now 'utc', '%Y' %}", 1, /cookiecutter extension/));
  it('rejects unknown tags', () => fails('{% frobnicate %}', 1, /unknown tag '\{% frobnicate %\}'/));
  it('rejects other filters and names the supported ones', () => fails('\n\n{{ cookiecutter.name|slugify }}', 3, /the filter 'slugify' is not supported.*lower, upper, title, trim, replace/));
  it('rejects method calls', () => fails("{{ cookiecutter.name.lower() }}", 1, /attribute access|calling methods/));
  it('rejects other comparisons and tests', () => {
    fails("{% if cookiecutter.name > 'a' %}x{% endif %}", 1, /comparison '>' is not supported/);
    fails("{% if 'a' in cookiecutter.name %}x{% endif %}", 1, /the test 'in' is not supported/);
  });
  it('rejects undefined variables, listing the known ones (StrictUndefined)', () => fails('ok\n{{ cookiecutter.nope }}', 2, /'cookiecutter.nope' is not defined. Known variables: name, slug/));
  it('rejects names other than cookiecutter.*', () => fails('{{ secrets.TOKEN }}', 1, /unknown name 'secrets'/));
  it('rejects unclosed blocks and stray tags', () => {
    fails('a\n{% if cookiecutter.flag %}x', 2, /never closed by '\{% endif %\}'/);
    fails('x\n{% endif %}', 2, /without a matching/);
    fails('{{ cookiecutter.name', 1, /never closed by '\}\}'/);
    fails('{% raw %}x', 1, /never closed by '\{% endraw %\}'/);
    fails("{% if cookiecutter.flag %}a{% else %}b{% elif cookiecutter.ci %}c{% endif %}", 1, /after '\{% else %\}'/);
  });
  it('checks the arguments of replace', () => fails("{{ cookiecutter.name|replace('a') }}", 1, /takes 2 arguments/));
});

"""Renders a cookiecutter template for MLflow Workbench, non-interactively.

Takes one JSON request as its argument, writes one JSON answer on stdout (everything else a template's
hooks print goes to stderr):

  {"op": "version"}
  {"op": "context", "template": DIR, "answers": {...}, "upTo": NAME | null, "acceptHooks": BOOL}
      {"values": ...}: every variable's value as cookiecutter computes it with these answers
      (defaults rendered in order, so a default may use earlier answers); with upTo, only the
      variables up to that one, and for a choice variable its rendered "choices".
  {"op": "prepare", "template": DIR}
      runs the template's pre_prompt hook (consented) on a copy, as cookiecutter does before it
      reads cookiecutter.json; answers {"dir": the copy} (or the template itself without the hook).
  {"op": "render", "template": DIR, "answers": {...}, "outputDir": DIR, "acceptHooks": BOOL,
   "prepared": DIR | null}
      generates the project into outputDir (a fresh staging folder), as `cookiecutter --no-input`
      would, and answers with the project folder and the context. With "prepared" (the copy from
      "prepare"), pre_prompt has run already and is not run again.

What differs from the `cookiecutter` command, on purpose:
  - the user's ~/.cookiecutterrc and replay files are neither read nor written;
  - Jinja runs sandboxed (no attribute tricks such as ``''.__class__``) in every case;
  - without acceptHooks, no hook runs and a template with ``_extensions`` is refused;
  - generation cannot write outside outputDir (a name that renders to '../x' or '/x' is an error).
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import traceback
from collections import OrderedDict

_answer_stream = os.fdopen(os.dup(1), "w", encoding="utf-8")
# Hooks and libraries print on fd 1: send that to stderr so stdout carries only the answer.
os.dup2(2, 1)
sys.stdout = sys.stderr


def answer(payload: dict) -> None:
    _answer_stream.write(json.dumps(payload, default=str))
    _answer_stream.flush()


class RequestError(Exception):
    pass


def main() -> int:
    request = json.loads(sys.argv[1])
    op = request.get("op")
    try:
        import cookiecutter  # noqa: F401
    except ImportError:
        answer({"ok": False, "kind": "missing", "error": f"cookiecutter is not installed in {sys.executable}."})
        return 0
    from cookiecutter import __version__

    install_sandbox()

    if op == "version":
        answer({"ok": True, "version": __version__, "python": sys.executable})
        return 0
    try:
        if op == "context":
            answer({"ok": True, "context": compute_context(request)})
        elif op == "prepare":
            from cookiecutter.hooks import run_pre_prompt_hook

            answer({"ok": True, "dir": str(run_pre_prompt_hook(request["template"]))})
        elif op == "render":
            answer({"ok": True, **render(request)})
        else:
            raise RequestError(f"unknown op {op!r}")
    except Exception as err:  # noqa: BLE001 - every failure is reported to the caller as text
        answer({"ok": False, "kind": "template", "error": describe(err), "trace": traceback.format_exc()})
    return 0


def describe(err: BaseException) -> str:
    from cookiecutter.exceptions import UndefinedVariableInTemplate

    if isinstance(err, UndefinedVariableInTemplate):
        return f"{err.message}: {err.error.message}"
    text = str(err) or type(err).__name__
    cause = err.__cause__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text}: {cause}"
    return f"{type(err).__name__}: {text}" if type(err).__name__ not in text else text


# ------------------------------------------------------------------ sandboxing and containment


def install_sandbox() -> None:
    """Every Jinja environment cookiecutter makes is sandboxed: templates render the same, but cannot reach Python internals."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import SandboxedEnvironment

    from cookiecutter import environment, utils

    class SandboxedStrictEnvironment(environment.ExtensionLoaderMixin, SandboxedEnvironment):
        def __init__(self, **kwargs):
            super().__init__(undefined=StrictUndefined, **kwargs)

    utils.StrictEnvironment = SandboxedStrictEnvironment
    environment.StrictEnvironment = SandboxedStrictEnvironment


def confine_writes(root: str) -> None:
    """cookiecutter.generate writes only below root: names rendering to '../x' or '/x' fail before any byte is written."""
    from cookiecutter import generate

    real_root = os.path.realpath(root)

    def check(path) -> None:
        real = os.path.realpath(os.fspath(path))
        if real != real_root and not real.startswith(real_root + os.sep):
            raise RequestError(f"the template renders a path outside the project folder: {os.fspath(path)!r}")

    builtin_open = open

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            check(file)
        return builtin_open(file, mode, *args, **kwargs)

    def guarded_make_sure_path_exists(path):
        check(path)
        return original_make_sure(path)

    original_make_sure = generate.make_sure_path_exists

    class GuardedShutil:
        @staticmethod
        def copyfile(src, dst, *args, **kwargs):
            check(dst)
            return shutil.copyfile(src, dst, *args, **kwargs)

        @staticmethod
        def copymode(src, dst, *args, **kwargs):
            check(dst)
            return shutil.copymode(src, dst, *args, **kwargs)

        @staticmethod
        def copytree(src, dst, *args, **kwargs):
            check(dst)
            return shutil.copytree(src, dst, *args, **kwargs)

        @staticmethod
        def rmtree(path, *args, **kwargs):
            check(path)
            return shutil.rmtree(path, *args, **kwargs)

    generate.open = guarded_open
    generate.make_sure_path_exists = guarded_make_sure_path_exists
    generate.shutil = GuardedShutil


# ------------------------------------------------------------------ context and rendering


class ImportPath:
    """Like cookiecutter.main: the template folder is importable while rendering (local extensions)."""

    def __init__(self, repo_dir: str) -> None:
        self.repo_dir = repo_dir

    def __enter__(self):
        self.saved = list(sys.path)
        sys.path.append(self.repo_dir)

    def __exit__(self, *exc):
        sys.path[:] = self.saved


def load_context(repo_dir: str, answers: dict, accept_hooks: bool) -> OrderedDict:
    from cookiecutter.generate import generate_context

    context = generate_context(
        context_file=os.path.join(repo_dir, "cookiecutter.json"), default_context=None, extra_context=answers or None
    )
    extensions = context["cookiecutter"].get("_extensions") or []
    if extensions and not accept_hooks:
        raise RequestError(f"the template loads the Jinja extensions {', '.join(map(str, extensions))}: they run only with consent")
    return context


def prompt_without_input(context: OrderedDict, repo_dir: str) -> OrderedDict:
    from cookiecutter.prompt import prompt_for_config

    with ImportPath(repo_dir):
        return prompt_for_config(context, no_input=True)


def compute_context(request: dict) -> dict:
    repo_dir = request["template"]
    accept_hooks = bool(request.get("acceptHooks"))
    context = load_context(repo_dir, request.get("answers") or {}, accept_hooks)
    up_to = request.get("upTo")
    if up_to:
        kept = OrderedDict()
        for key, value in context["cookiecutter"].items():
            if key.startswith("_") and not key.startswith("__"):
                kept[key] = value
            elif up_to not in kept and not key.startswith("__"):
                kept[key] = value
        context["cookiecutter"] = kept
    values = prompt_without_input(context, repo_dir)
    raw = context["cookiecutter"].get(up_to) if up_to else None
    if isinstance(raw, list):
        from cookiecutter.prompt import render_variable
        from cookiecutter.utils import create_env_with_context

        env = create_env_with_context(context)
        with ImportPath(repo_dir):
            return {"values": dict(values), "choices": [render_variable(env, option, values) for option in raw]}
    return {"values": dict(values)}


def render(request: dict) -> dict:
    from cookiecutter.generate import generate_files
    from cookiecutter.hooks import run_pre_prompt_hook
    from cookiecutter.utils import rmtree

    template = request["template"]
    output_dir = os.path.abspath(request["outputDir"])
    accept_hooks = bool(request.get("acceptHooks"))
    prepared = request.get("prepared")
    repo_dir = prepared or (str(run_pre_prompt_hook(template)) if accept_hooks else template)
    try:
        context = load_context(repo_dir, request.get("answers") or {}, accept_hooks)
        context["_cookiecutter"] = {k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")}
        context["cookiecutter"].update(prompt_without_input(context, repo_dir))
        context["cookiecutter"]["_template"] = template
        context["cookiecutter"]["_output_dir"] = output_dir
        context["cookiecutter"]["_repo_dir"] = repo_dir
        context["cookiecutter"]["_checkout"] = None
        confine_writes(output_dir)
        with ImportPath(repo_dir):
            project_dir = generate_files(
                repo_dir=repo_dir, context=context, output_dir=output_dir, accept_hooks=accept_hooks
            )
    finally:
        if repo_dir != template and not prepared:
            rmtree(repo_dir)
    return {"projectDir": project_dir, "context": dict(context["cookiecutter"])}


if __name__ == "__main__":
    sys.exit(main())

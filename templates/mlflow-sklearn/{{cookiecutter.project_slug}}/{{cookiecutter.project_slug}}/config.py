"""Where this project's runs are tracked. Environment variables win, so CI and `mlflow run` can redirect them."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import mlflow

# Empty means MLflow's own default (a local store in the working folder).
TRACKING_URI = "{{ cookiecutter.tracking_uri }}"
EXPERIMENT_NAME = "{{ cookiecutter.experiment_name }}"
# Runs made on a feature branch go to "<experiment>-<branch>", so they do not mix with main's.
BRANCH_EXPERIMENTS = {% if cookiecutter.branch_experiments == 'yes' %}True{% else %}False{% endif %}

PROJECT_DIR = Path(__file__).resolve().parent.parent


def git_branch() -> str | None:
    """The checked-out branch, or None outside git or on a detached HEAD (CI on a tag)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--abbrev-ref", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if out and out != "HEAD" else None


def experiment_name() -> str:
    """The experiment for runs started outside `mlflow run`, with the branch suffix when enabled."""
    name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or EXPERIMENT_NAME
    if BRANCH_EXPERIMENTS:
        branch = git_branch()
        if branch and branch not in ("main", "master"):
            name = f"{name}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', branch)}"
    return name


def configure_tracking() -> None:
    """Points MLflow at this project's tracking server and experiment, unless `mlflow run` already did."""
    if os.environ.get("MLFLOW_RUN_ID"):
        # Launched by `mlflow run`: the run, its experiment and tracking URI are set already.
        return
    if TRACKING_URI and not os.environ.get("MLFLOW_TRACKING_URI"):
        mlflow.set_tracking_uri(TRACKING_URI)
    mlflow.set_experiment(experiment_name())

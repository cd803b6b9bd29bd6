"""Fast tests: no tracking server, each test logs to its own temporary folder."""

from __future__ import annotations

import tempfile
from pathlib import Path

import mlflow
import pytest

from {{ cookiecutter.project_slug }} import config, evaluate, train
from {{ cookiecutter.project_slug }}.data import load_data


@pytest.fixture(scope="session")
def tracking():
    """A throw-away sqlite store and experiment for the session, whatever MLFLOW_TRACKING_URI says outside."""
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as tmp:
        uri = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
        mp.delenv("MLFLOW_RUN_ID", raising=False)
        mp.setenv("MLFLOW_TRACKING_URI", uri)
        mlflow.set_tracking_uri(uri)
        experiment_id = mlflow.create_experiment("tests", artifact_location=(Path(tmp) / "artifacts").as_uri())
        mlflow.set_experiment(experiment_id=experiment_id)
        yield uri
        mlflow.set_tracking_uri(None)


@pytest.fixture(scope="session")
def trained_run_id(tracking):
    """One training for the whole session: logging a model takes a few seconds."""
    return train.train(alpha=0.5, test_size=0.25, solver="auto")


def test_split_is_reproducible_and_sized():
    X_train, X_test, y_train, y_test = load_data(test_size=0.25)
    X_train2, _, _, _ = load_data(test_size=0.25)
    assert len(X_test) == pytest.approx(0.25 * (len(X_train) + len(X_test)), abs=1)
    assert len(X_train) == len(y_train) and len(X_test) == len(y_test)
    assert X_train.index.equals(X_train2.index)


def test_invalid_test_size_is_refused():
    with pytest.raises(ValueError, match="test_size"):
        load_data(test_size=1.5)


def test_train_logs_params_metrics_and_model(trained_run_id):
    run = mlflow.get_run(trained_run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["alpha"] == "0.5"
    assert run.data.params["solver"] == "auto"
    assert run.data.metrics["rmse"] > 0
    assert -1.0 < run.data.metrics["r2"] <= 1.0
    model = mlflow.pyfunc.load_model(f"runs:/{trained_run_id}/model")
    _, X_test, _, _ = load_data(test_size=0.25)
    assert len(model.predict(X_test)) == len(X_test)
    assert model.metadata.signature is not None


def test_evaluate_scores_the_latest_model(trained_run_id):
    metrics = evaluate.evaluate("latest", test_size=0.25)
    assert set(metrics) == {"eval_rmse", "eval_mae", "eval_r2"}
    trained = mlflow.get_run(trained_run_id).data.metrics
    # Same model, same held-out split: the same scores.
    assert metrics["eval_rmse"] == pytest.approx(trained["rmse"])


def test_branch_suffix(monkeypatch):
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "exp")
    monkeypatch.setattr(config, "BRANCH_EXPERIMENTS", True)
    monkeypatch.setattr(config, "git_branch", lambda: "feature/new model")
    assert config.experiment_name() == "exp-feature-new-model"
    monkeypatch.setattr(config, "git_branch", lambda: "main")
    assert config.experiment_name() == "exp"

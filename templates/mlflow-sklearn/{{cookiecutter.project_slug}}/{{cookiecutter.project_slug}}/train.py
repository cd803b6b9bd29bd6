"""Trains a Ridge regression and logs its parameters, metrics and model to MLflow.

Run it with `mlflow run .` (see MLproject) or `python -m {{ cookiecutter.project_slug }}.train --alpha 0.5`.
"""

from __future__ import annotations

import argparse

import mlflow
import numpy as np
from mlflow.models import infer_signature
from sklearn.linear_model import Ridge
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from .config import configure_tracking
from .data import SEED, load_data


def regression_metrics(y_true, y_pred) -> dict[str, float]:
    return {
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
    }


def train(alpha: float = 1.0, test_size: float = 0.2, solver: str = "auto") -> str:
    """Trains, evaluates on the held-out split, logs everything to the active experiment; returns the run id."""
    X_train, X_test, y_train, y_test = load_data(test_size=test_size)
    with mlflow.start_run() as run:
        mlflow.log_params({"alpha": alpha, "test_size": test_size, "solver": solver, "seed": SEED})
        model = Ridge(alpha=alpha, solver=solver).fit(X_train, y_train)
        signature = infer_signature(X_train, model.predict(X_train))
        model_info = mlflow.sklearn.log_model(
            model,
            name="model",
            input_example=X_train.head(5),
            signature=signature,
        )
        # Logged with the model's id, so the metrics show on the logged model as well as the run.
        mlflow.log_metrics(regression_metrics(y_test, model.predict(X_test)), model_id=model_info.model_id)
        return run.info.run_id


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alpha", type=float, default=1.0, help="Regularization strength")
    parser.add_argument("--test-size", type=float, default=0.2, help="Share of the data held out for evaluation")
    parser.add_argument("--solver", default="auto", help="Ridge solver (auto, svd, cholesky, lsqr, sag, saga...)")
    args = parser.parse_args(argv)
    configure_tracking()
    run_id = train(alpha=args.alpha, test_size=args.test_size, solver=args.solver)
    print(f"Run {run_id} logged its model at runs:/{run_id}/model")


if __name__ == "__main__":
    main()

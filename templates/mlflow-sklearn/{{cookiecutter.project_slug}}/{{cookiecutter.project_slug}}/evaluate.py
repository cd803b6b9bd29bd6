"""Scores a logged model on the held-out split and logs the scores as eval_* metrics.

`--model-uri latest` picks the newest model logged in the experiment (MLflow 3 logged models).
"""

from __future__ import annotations

import argparse

import mlflow

from .config import configure_tracking
from .data import load_data
from .train import regression_metrics


def latest_model_uri(experiment_id: str) -> str:
    models = mlflow.search_logged_models(
        experiment_ids=[experiment_id],
        order_by=[{"field_name": "creation_timestamp", "ascending": False}],
        max_results=1,
        output_format="list",
    )
    if not models:
        raise SystemExit(f"No model is logged in experiment {experiment_id} yet: run the main entry point first (mlflow run .).")
    return models[0].model_uri


def evaluate(model_uri: str = "latest", test_size: float = 0.2) -> dict[str, float]:
    """Logs and returns eval_rmse, eval_mae and eval_r2 of the model on the held-out split."""
    _, X_test, _, y_test = load_data(test_size=test_size)
    with mlflow.start_run() as run:
        uri = latest_model_uri(run.info.experiment_id) if model_uri == "latest" else model_uri
        mlflow.log_param("model_uri", uri)
        model = mlflow.pyfunc.load_model(uri)
        metrics = {f"eval_{k}": v for k, v in regression_metrics(y_test, model.predict(X_test)).items()}
        mlflow.log_metrics(metrics)
        return metrics


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-uri", default="latest", help="runs:/<run_id>/model, models:/<name>/<version>, or latest")
    parser.add_argument("--test-size", type=float, default=0.2)
    args = parser.parse_args(argv)
    configure_tracking()
    for name, value in evaluate(args.model_uri, args.test_size).items():
        print(f"{name} = {value:.4f}")


if __name__ == "__main__":
    main()

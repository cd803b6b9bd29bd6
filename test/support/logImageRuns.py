"""Logs compare-panel test runs with MLflow's own client: params, a tag, metric histories and images.

Usage: python logImageRuns.py TRACKING_URI EXPERIMENT NAME:LR:TEAM [NAME:LR:TEAM ...]
Each run logs lr/model params, the tag team, 120 steps of loss, acc and val/loss, images of key
"samples" at steps 0, 5 and 10 with mlflow.log_image (MLflow 3 writes images/<key>+step+<n>+...),
and one image artifact plots/roc.png. Prints the run ids as JSON {name: run_id}.
"""
import json
import math
import sys

import mlflow
import numpy as np

uri, experiment, *specs = sys.argv[1:]
mlflow.set_tracking_uri(uri)
mlflow.set_experiment(experiment)
ids = {}
for spec in specs:
    name, lr, team = spec.split(":")
    scale = float(lr) * 10
    with mlflow.start_run(run_name=name) as run:
        mlflow.log_params({"lr": lr, "model": "mlp"})
        mlflow.set_tag("team", team)
        for step in range(120):
            mlflow.log_metrics(
                {
                    "loss": scale * math.exp(-step / 40) + 0.05,
                    "acc": 1 - math.exp(-step / 30) / (1 + scale),
                    "val/loss": scale * math.exp(-step / 50) + 0.1,
                },
                step=step,
            )
        for step in (0, 5, 10):
            # A 32x32 picture whose brightness grows with the step (and differs per run).
            level = min(255, int(40 + step * 15 + scale * 20))
            image = np.full((32, 32, 3), level, dtype=np.uint8)
            image[: 4 + step, :, 0] = 255
            mlflow.log_image(image, key="samples", step=step)
        mlflow.log_image(np.tile(np.arange(0, 256, 8, dtype=np.uint8), (32, 1)), artifact_file="plots/roc.png")
        ids[name] = run.info.run_id
print(json.dumps(ids))

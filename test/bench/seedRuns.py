"""Helpers for test/bench/explorer.bench.ts.

  seedRuns.py seed <sqlite file> <runs>
      Creates MLflow's schema with its own SqlAlchemyStore (so migrations match the installed
      mlflow), makes experiment "bench-explorer", then bulk-inserts <runs> runs with tags, params
      and metrics straight into the tables (the store's create_run costs ~10 ms each; this costs
      ~1 s for 10,000). Prints {"experiment_id": ..., "runs": ..., "seconds": ...}.

  seedRuns.py table <sqlite file> <runs> <params> <metrics> <experiment name>
      The runs table's fixture (test/vscode/ui/runsTable.test.ts, test/bench/runsTable.bench.ts), in
      the same way: <runs> runs with the params lr (5 values), optimizer (3), batch_size (4) and
      p03.. up to <params>, the metrics val_loss (distinct per run), accuracy, train_loss and m03.. up
      to <metrics>, the tags team, mlflow.source.name and mlflow.source.git.commit; every 97th run
      FAILED, every 500th RUNNING. Prints {"experiment_id": ..., "runs": ..., "seconds": ...}.

  seedRuns.py search <tracking uri> <experiment ids, comma-separated> <order_by JSON list> <filter> <max results>
      MlflowClient.search_runs with that order_by and filter: prints the run ids, in order, as JSON.

  seedRuns.py page <tracking uri> <experiment id> <page size> <repeats>
      Times MlflowClient.search_runs paging through every run of the experiment (newest first),
      inside Python (imports excluded). Prints {"seconds": [...], "runs": ...}.
"""

import json
import sys
import time
import uuid


def seed(db_path: str, n_runs: int) -> None:
    started = time.time()
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db_path}", "mlflow-artifacts:/")
    experiment_id = store.create_experiment("bench-explorer")
    base_time = 1_700_000_000_000
    runs, tags, params, metrics, latest = [], [], [], [], []
    for i in range(n_runs):
        run_id = uuid.uuid4().hex
        start = base_time + i * 1000
        name = f"run-{i:05d}"
        runs.append(
            (run_id, name, "LOCAL", "seedRuns.py", "", "bench", "FINISHED", start, start + 500,
             "", "active", f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts", int(experiment_id))
        )
        tags += [("mlflow.runName", name, run_id), ("mlflow.user", "bench", run_id), ("mlflow.source.type", "LOCAL", run_id)]
        params += [("alpha", str(i % 10 / 10), run_id), ("l1_ratio", "0.5", run_id), ("model", "elasticnet", run_id)]
        for key, value in (("rmse", 1.0 / (i + 1)), ("r2", (i % 100) / 100.0)):
            metrics.append((key, value, start + 400, run_id, 0, 0))
            latest.append((key, value, start + 400, 0, 0, run_id))

    insert(store, runs, tags, params, metrics, latest)
    print(json.dumps({"experiment_id": experiment_id, "runs": n_runs, "seconds": time.time() - started}))


def insert(store, runs, tags, params, metrics, latest) -> None:
    with store.engine.begin() as conn:
        raw = conn.connection
        cur = raw.cursor()
        cur.executemany(
            "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status,"
            " start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            runs,
        )
        cur.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)", tags)
        cur.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)", params)
        cur.executemany(
            "INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)", metrics
        )
        cur.executemany(
            "INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)",
            latest,
        )
    store.engine.dispose()


def table(db_path: str, n_runs: int, n_params: int, n_metrics: int, name: str) -> None:
    started = time.time()
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = SqlAlchemyStore(f"sqlite:///{db_path}", "mlflow-artifacts:/")
    experiment_id = store.create_experiment(name)
    base_time = 1_700_000_000_000
    runs, tags, params, metrics, latest = [], [], [], [], []
    for i in range(n_runs):
        run_id = uuid.uuid4().hex
        start = base_time + i * 1000
        run_name = f"sweep-{i:05d}"
        status = "RUNNING" if i % 500 == 1 else "FAILED" if i % 97 == 0 else "FINISHED"
        end = None if status == "RUNNING" else start + 500 + (i % 60) * 1000
        runs.append(
            (run_id, run_name, "LOCAL", "train.py", "main", "ana", status, start, end,
             "", "active", f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts", int(experiment_id))
        )
        tags += [
            ("mlflow.runName", run_name, run_id), ("mlflow.user", "ana", run_id), ("mlflow.source.type", "LOCAL", run_id),
            ("mlflow.source.name", "train.py", run_id), ("mlflow.source.git.commit", f"{i * 2654435761 % 2**32:08x}c0ffee", run_id),
            ("team", "vision" if i % 2 else "nlp", run_id),
        ]
        values = {"lr": str([0.001, 0.003, 0.01, 0.03, 0.1][i % 5]), "optimizer": ["adam", "sgd", "rmsprop"][i % 3], "batch_size": str([32, 64, 128, 256][i % 4])}
        for p in range(3, n_params):
            values[f"p{p:02d}"] = str((i * (p + 1)) % 17)
        params += [(key, value, run_id) for key, value in values.items()]
        # 3001 is prime and larger than the runs of the tests: val_loss differs from run to run.
        val_loss = ((i * 7919) % 3001) / 3001 + 0.01
        scores = {"val_loss": val_loss, "accuracy": 1 - val_loss * 0.8, "train_loss": val_loss * 0.9}
        for m in range(3, n_metrics):
            scores[f"m{m:02d}"] = ((i * (m + 3)) % 101) / 100
        for key, value in scores.items():
            metrics.append((key, value, start + 400, run_id, 0, 0))
            latest.append((key, value, start + 400, 0, 0, run_id))
    insert(store, runs, tags, params, metrics, latest)
    print(json.dumps({"experiment_id": experiment_id, "runs": n_runs, "seconds": time.time() - started}))


def search(tracking_uri: str, experiment_ids: str, order_by: str, filter_string: str, max_results: int) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    runs = client.search_runs(experiment_ids.split(","), filter_string=filter_string, order_by=json.loads(order_by), max_results=max_results)
    print(json.dumps([run.info.run_id for run in runs]))


def page(tracking_uri: str, experiment_id: str, page_size: int, repeats: int) -> None:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    # One warm-up page, as the Node side warms up too (connection set-up, server caches).
    client.search_runs([experiment_id], max_results=1, order_by=["attributes.start_time DESC"])
    seconds, count = [], 0
    for _ in range(repeats):
        started = time.perf_counter()
        count, token = 0, None
        while True:
            result = client.search_runs(
                [experiment_id], max_results=page_size, order_by=["attributes.start_time DESC"], page_token=token
            )
            count += len(result)
            token = result.token
            if not token:
                break
        seconds.append(time.perf_counter() - started)
    print(json.dumps({"seconds": seconds, "runs": count}))


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "seed" and len(sys.argv) == 4:
        seed(sys.argv[2], int(sys.argv[3]))
    elif command == "table" and len(sys.argv) == 7:
        table(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    elif command == "search" and len(sys.argv) == 7:
        search(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    elif command == "page" and len(sys.argv) == 6:
        page(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    else:
        sys.exit(__doc__)

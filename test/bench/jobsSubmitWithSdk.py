"""The jobs protocol's launch steps done with the official Databricks SDK for Python (launch.bench.ts).

me -> pack and hash the project -> get-status (upload when missing) -> MLflow experiment and run ->
multi-task runs/submit with an idempotency token. DATABRICKS_HOST/TOKEN point at the emulator.
Usage: jobsSubmitWithSdk.py PROJECT_DIR EXPERIMENT_NAME CLUSTER_JSON
"""

import base64
import hashlib
import io
import json
import os
import sys
import tarfile

import mlflow
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import NotFound
from databricks.sdk.service import compute, jobs, workspace

project_dir, experiment_name, cluster_json = sys.argv[1:4]
w = WorkspaceClient()
me = w.current_user.me()
folder = f"/Workspace/Users/{me.user_name}/mlflow-wb-sdk"

buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz") as tar:
    tar.add(project_dir, arcname="mlflow-project", filter=lambda i: None if os.path.basename(i.name) in {".git", "mlruns", "__pycache__"} else i)
data = buf.getvalue()
archive = f"{folder}/projects/{hashlib.sha256(data).hexdigest()}.tar.gz"
try:
    present = w.workspace.get_status(archive).size == len(data)
except NotFound:
    present = False
if not present:
    w.workspace.mkdirs(os.path.dirname(archive))
    w.workspace.import_(path=archive, content=base64.b64encode(data).decode(), format=workspace.ImportFormat.AUTO, overwrite=True)

client = mlflow.MlflowClient(tracking_uri="databricks")
experiment = client.get_experiment_by_name(experiment_name)
experiment_id = experiment.experiment_id if experiment else client.create_experiment(experiment_name)
run = client.create_run(experiment_id, tags={"mlflow.source.type": "PROJECT", "mlflow.project.entryPoint": "main"})

with open(cluster_json) as f:
    cluster = json.load(f)["new_cluster"]
w.jobs.submit(
    run_name=f"MLflow Run for {project_dir}",
    idempotency_token=f"sdk-{run.info.run_id}",
    tasks=[
        jobs.SubmitTask(
            task_key="mlflow_project",
            new_cluster=compute.ClusterSpec.from_dict(cluster),
            spark_python_task=jobs.SparkPythonTask(python_file=f"{folder}/driver.py", parameters=["--project-archive", archive, "--run-id", run.info.run_id]),
        )
    ],
)

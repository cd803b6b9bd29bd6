"""Drives the Databricks workspace emulator with the official Databricks SDK for Python.

Run by test/integration/databricksSdkFidelity.test.ts with DATABRICKS_HOST / DATABRICKS_TOKEN set to
the emulator. Each step uses the SDK as a user would; an assertion failure or an SDK exception fails
the test. Prints one JSON line of what it saw at the end.
"""

import base64
import io
import json
import sys
import time
from datetime import timedelta

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import compute, jobs, workspace

TASK = b'''
import sys
print("task args: " + repr(sys.argv[1:]), flush=True)
with open(sys.argv[1]) as f:
    print("volume file says: " + f.read(), flush=True)
'''
SLEEPER = b"import time\nprint('sleeping', flush=True)\ntime.sleep(120)\n"

w = WorkspaceClient()
TOKEN_ID = f"sdk-fidelity-{int(time.time() * 1000)}"
seen = {}

me = w.current_user.me()
assert me.user_name, me
seen["user"] = me.user_name

folder = f"/Workspace/Users/{me.user_name}/sdk-fidelity-{int(time.time() * 1000)}"
w.workspace.mkdirs(folder)
w.workspace.import_(
    path=f"{folder}/task.py", content=base64.b64encode(TASK).decode(), format=workspace.ImportFormat.AUTO, overwrite=True
)
w.workspace.import_(path=f"{folder}/sleeper.py", content=base64.b64encode(SLEEPER).decode(), format=workspace.ImportFormat.AUTO)
status = w.workspace.get_status(f"{folder}/task.py")
assert status.object_type == workspace.ObjectType.FILE, status
assert status.size == len(TASK), status
listed = sorted(o.path for o in w.workspace.list(folder))
assert listed == [f"{folder}/sleeper.py".removeprefix("/Workspace"), f"{folder}/task.py".removeprefix("/Workspace")], listed
exported = base64.b64decode(w.workspace.export(f"{folder}/task.py", format=workspace.ExportFormat.SOURCE).content)
assert exported == TASK, exported

volume_file = f"/Volumes/main/default/mlflow_wb/sdk-fidelity/{int(time.time() * 1000)}/data.txt"
w.files.upload(volume_file, io.BytesIO(b"hello from a volume"), overwrite=True)
meta = w.files.get_metadata(volume_file)
assert meta.content_length == len(b"hello from a volume"), meta
assert w.files.download(volume_file).contents.read() == b"hello from a volume"
names = [e.name for e in w.files.list_directory_contents(volume_file.rsplit("/", 1)[0])]
assert names == ["data.txt"], names

cluster = compute.ClusterSpec(spark_version="15.4.x-scala2.12", node_type_id="i3.xlarge", num_workers=1)

# A job cluster: spark_python_task from workspace files, reading the volume file.
run = w.jobs.submit(
    run_name="sdk fidelity: job cluster",
    tasks=[
        jobs.SubmitTask(
            task_key="on_cluster",
            new_cluster=cluster,
            spark_python_task=jobs.SparkPythonTask(python_file=f"{folder}/task.py", parameters=[volume_file, "a b", "$(x);'q'"]),
        )
    ],
    idempotency_token=TOKEN_ID,
).result(timeout=timedelta(minutes=3))
assert run.state.result_state == jobs.RunResultState.SUCCESS, run.state
again = w.jobs.submit(
    run_name="sdk fidelity: job cluster",
    tasks=[jobs.SubmitTask(task_key="on_cluster", new_cluster=cluster, spark_python_task=jobs.SparkPythonTask(python_file=f"{folder}/task.py"))],
    idempotency_token=TOKEN_ID,
).response
assert again.run_id == run.run_id, (again.run_id, run.run_id)
got = w.jobs.get_run(run.run_id)
assert [t.task_key for t in got.tasks] == ["on_cluster"], got.tasks
output = w.jobs.get_run_output(got.tasks[0].run_id)
assert "volume file says: hello from a volume" in output.logs, output.logs
assert "'a b'" in output.logs, output.logs
assert "\"$(x);'q'\"" in output.logs, output.logs
seen["cluster_run"] = run.run_id

# Serverless: no compute on the task, an environment with dependencies.
serverless = w.jobs.submit(
    run_name="sdk fidelity: serverless",
    tasks=[
        jobs.SubmitTask(
            task_key="serverless",
            environment_key="default",
            spark_python_task=jobs.SparkPythonTask(python_file=f"{folder}/task.py", parameters=[volume_file]),
        )
    ],
    environments=[jobs.JobEnvironment(environment_key="default", spec=compute.Environment(client="2", dependencies=["mlflow"]))],
).result(timeout=timedelta(minutes=3))
assert serverless.state.result_state == jobs.RunResultState.SUCCESS, serverless.state
assert serverless.tasks[0].environment_key == "default", serverless.tasks[0]
assert "volume file says" in w.jobs.get_run_output(serverless.tasks[0].run_id).logs

# A serverless task without an environment is refused as the API reference says.
try:
    w.jobs.submit(
        run_name="no environment",
        tasks=[jobs.SubmitTask(task_key="bare", spark_python_task=jobs.SparkPythonTask(python_file=f"{folder}/task.py"))],
    )
    raise AssertionError("a serverless task without environment_key was accepted")
except Exception as err:  # databricks.sdk.errors.InvalidParameterValue
    assert type(err).__name__ == "InvalidParameterValue", repr(err)
    assert "An environment is required for serverless task bare" in str(err), str(err)

# Cancel: a sleeping task ends CANCELED.
waiter = w.jobs.submit(
    run_name="sdk fidelity: cancel",
    tasks=[jobs.SubmitTask(task_key="sleep", new_cluster=cluster, spark_python_task=jobs.SparkPythonTask(python_file=f"{folder}/sleeper.py"))],
)
for _ in range(100):
    if w.jobs.get_run(waiter.response.run_id).state.life_cycle_state == jobs.RunLifeCycleState.RUNNING:
        break
    time.sleep(0.1)
cancelled = w.jobs.cancel_run(waiter.response.run_id).result(timeout=timedelta(minutes=1))
assert cancelled.state.result_state == jobs.RunResultState.CANCELED, cancelled.state

w.workspace.delete(folder, recursive=True)
print(json.dumps(seen))
sys.exit(0)

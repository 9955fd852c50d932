"""A local AWS for the tests: moto in server mode on 127.0.0.1, with Step Functions executing
state machines, so that task tokens, heartbeat timeouts and SendTask* outcomes are real moto
behaviour reached through real boto3 calls; and a small stub for answers moto does not give."""

from __future__ import annotations

import base64
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import boto3
import pytest

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/fan-out"
RECORDING = Path(os.environ.get("WORKER_TEST_TMP", "/tmp")) / f"moto-recording-{os.getpid()}.jsonl"


def sent(operation: str) -> List[Dict[str, Any]]:
    """The JSON bodies of the Step Functions `operation` calls moto received."""
    bodies = []
    for line in RECORDING.read_text().splitlines():
        entry = json.loads(line)
        if entry["headers"].get("X-Amz-Target") == f"AWSStepFunctions.{operation}":
            body = base64.b64decode(entry["body"]) if entry["body_encoded"] else entry["body"]
            bodies.append(json.loads(body))
    return bodies


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def endpoint() -> str:
    port = free_port()
    # moto records every request it serves, so the tests can read what the worker sent: moto's
    # server drops SendTaskFailure's cause, and it enforces none of the API's length limits.
    os.environ["MOTO_ENABLE_RECORDING"] = "true"
    os.environ["MOTO_RECORDER_FILEPATH"] = str(RECORDING)
    RECORDING.write_text("")
    # moto's Step Functions calls the services of a Task state through its own server: tell it where.
    os.environ["MOTO_PORT"] = str(port)
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    config = json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()
    urllib.request.urlopen(urllib.request.Request(url + "/moto-api/config", data=config, method="POST"))
    yield url
    server.stop()


def isolated_env(endpoint: str) -> Dict[str, str]:
    """The worker's environment: this machine's, without any AWS setting, pointed at `endpoint`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "FANOUT_"))}
    env.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "PYTHONPATH": str(SRC),
        "PYTHONUNBUFFERED": "1",
    })
    return env


class Aws:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        kw = dict(endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing")
        self.sfn = boto3.client("stepfunctions", **kw)
        self.s3 = boto3.client("s3", **kw)
        self._machines: Dict[int, str] = {}

    def env(self, **fanout: str) -> Dict[str, str]:
        env = isolated_env(self.endpoint)
        env.update(fanout)
        return env

    def bucket(self) -> str:
        name = "fan-out-" + uuid.uuid4().hex[:12]
        self.s3.create_bucket(Bucket=name)
        return name

    def machine(self, heartbeat_seconds: int) -> str:
        """A state machine whose one Task waits for a task token (`.waitForTaskToken`) with
        HeartbeatSeconds; the token goes out in an EventBridge event, which moto accepts
        without setup, and the test reads it from the execution history."""
        if heartbeat_seconds not in self._machines:
            definition = {"StartAt": "Run", "States": {"Run": {
                "Type": "Task",
                "Resource": "arn:aws:states:::events:putEvents.waitForTaskToken",
                "HeartbeatSeconds": heartbeat_seconds,
                "TimeoutSeconds": 120,
                "Parameters": {"Entries": [{"Source": "fan-out.test", "DetailType": "item",
                                            "Detail": {"token.$": "$$.Task.Token"}}]},
                "End": True}}}
            self._machines[heartbeat_seconds] = self.sfn.create_state_machine(
                name=f"callback-{heartbeat_seconds}s", definition=json.dumps(definition), roleArn=ROLE)["stateMachineArn"]
        return self._machines[heartbeat_seconds]

    def start_callback(self, heartbeat_seconds: int = 30) -> "Execution":
        arn = self.sfn.start_execution(stateMachineArn=self.machine(heartbeat_seconds), name=uuid.uuid4().hex,
                                       input="{}")["executionArn"]
        deadline = time.monotonic() + 10
        token: Optional[str] = None
        while time.monotonic() < deadline:
            for event in self.sfn.get_execution_history(executionArn=arn)["events"]:
                if event["type"] == "TaskScheduled":
                    token = json.loads(event["taskScheduledEventDetails"]["parameters"])["Entries"][0]["Detail"]["token"]
                # moto takes a callback only once the task is submitted.
                if event["type"] == "TaskSubmitted" and token:
                    return Execution(self, arn, token)
            time.sleep(0.05)
        raise AssertionError("moto gave no task token")


class Execution:
    def __init__(self, aws: Aws, arn: str, token: str) -> None:
        self.aws, self.arn, self.token = aws, arn, token

    def wait(self, timeout: float = 15) -> Dict[str, Any]:
        """The execution once it has left RUNNING."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            described = self.aws.sfn.describe_execution(executionArn=self.arn)
            if described["status"] != "RUNNING":
                return described
            time.sleep(0.1)
        raise AssertionError(f"execution still RUNNING after {timeout} s")

    def failure(self) -> Dict[str, str]:
        """The error and cause the worker sent with SendTaskFailure for this execution's token."""
        failures = [body for body in sent("SendTaskFailure") if body["taskToken"] == self.token]
        assert len(failures) == 1, f"{len(failures)} SendTaskFailure calls for the token"
        return failures[0]

    def heartbeats(self) -> int:
        return sum(1 for body in sent("SendTaskHeartbeat") if body["taskToken"] == self.token)

    def successes(self) -> List[Dict[str, str]]:
        return [body for body in sent("SendTaskSuccess") if body["taskToken"] == self.token]

    def event_types(self) -> List[str]:
        return [e["type"] for e in self.aws.sfn.get_execution_history(executionArn=self.arn)["events"]]


@pytest.fixture(scope="session")
def aws(endpoint: str) -> Aws:
    return Aws(endpoint)


class Worker:
    """A worker process running tests/handlers.py with one handler, in a process group of its
    own, which the `workers` fixture kills after each test, whatever the test left running."""

    started: List["Worker"] = []

    def __init__(self, handler: str, env: Dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, str(HERE / "handlers.py"), handler], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                        start_new_session=True)
        Worker.started.append(self)

    def wait_for_line(self, text: str, timeout: float = 15) -> None:
        """Reads stdout until a line starts with `text` (the handler is then mid-work)."""
        deadline = time.monotonic() + timeout
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if line.startswith(text):
                return
            if not line and self.process.poll() is not None:
                break
        raise AssertionError(f"the worker never printed {text!r}")

    def finish(self, timeout: float = 30) -> "Worker":
        out, err = self.process.communicate(timeout=timeout)
        self.code, self.out, self.err = self.process.returncode, out, err
        return self

    def kill_group(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


@pytest.fixture(autouse=True)
def workers():
    yield
    while Worker.started:
        Worker.started.pop().kill_group()


def run_worker(handler: str, env: Dict[str, str], timeout: float = 30) -> Worker:
    return Worker(handler, env).finish(timeout)


class StubSfn:
    """A stand-in Step Functions endpoint on 127.0.0.1 that answers every call with one error
    of the JSON protocol and records the operations it was sent: moto answers InvalidToken
    where AWS answers TaskTimedOut, so TaskTimedOut is tested against this."""

    def __init__(self, error_code: str) -> None:
        self.calls: List[str] = []
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.calls.append(self.headers.get("X-Amz-Target", "").split(".")[-1])
                body = json.dumps({"__type": f"com.amazonaws.swf.service.v2.model#{error_code}",
                                   "message": "stub: " + error_code}).encode()
                self.send_response(400)
                self.send_header("Content-Type", "application/x-amz-json-1.0")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()

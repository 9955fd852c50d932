"""The runtime: read the item(s), call the handler, report, heartbeat, handle SIGTERM."""

from __future__ import annotations

import asyncio
import hashlib
import inspect
import json
import os
import signal
import socket
import sys
import threading
import traceback
from typing import Any, Callable, List, NoReturn, Optional, Tuple

from .limits import SFN_CAUSE_MAX_CHARS, SFN_ERROR_MAX_CHARS, SFN_OUTPUT_MAX_BYTES, SFN_TOKEN_GONE_ERRORS

# The environment contract with the construct (worker/README.md).
ENV_ITEM = "FANOUT_ITEM"
ENV_ITEMS = "FANOUT_ITEMS"
ENV_TASK_TOKEN = "FANOUT_TASK_TOKEN"
ENV_HEARTBEAT_SECONDS = "FANOUT_HEARTBEAT_SECONDS"
ENV_RESULT_S3_PREFIX = "FANOUT_RESULT_S3_PREFIX"

# An item, batch or result kept in S3 travels as {"fanOutS3Ref": {"bucket": ..., "key": ...}}.
S3_REF_KEY = "fanOutS3Ref"

# Without FANOUT_HEARTBEAT_SECONDS: one heartbeat a minute fits the construct's default
# heartbeatTimeout (10 minutes) ten times over, and any heartbeatTimeout of 2 minutes or more.
DEFAULT_HEARTBEAT_SECONDS = 60.0

# Error names sent with SendTaskFailure by the runtime itself (the handler's own errors are sent
# under their exception class name).
ERROR_INTERRUPTED = "FanOut.Interrupted"
ERROR_RESULT_TOO_LARGE = "FanOut.ResultTooLarge"
ERROR_INVALID_INPUT = "FanOut.InvalidInput"

EXIT_OK = 0
EXIT_FAILED = 1
# The state timed out or the execution stopped (TaskTimedOut / InvalidToken): nobody waits for
# the result, so the work stops. 124 is what `timeout` exits with when it stops a command.
EXIT_TOKEN_GONE = 124
# SIGTERM (Spot interruption, StopTask): 128 + 15, what a shell reports for a process that
# SIGTERM killed, so the item reads as interrupted whichever way the process ended.
EXIT_INTERRUPTED = 143

_TRUNCATED = " [truncated]"

Handler = Callable[[Any], Any]


def run(handler: Handler) -> NoReturn:
    """Calls `handler(item)` for the task's item, or for each item of its batch (an `async def`
    handler is run with asyncio), reports the outcome and exits the process. Call it from the
    main thread (it handles SIGTERM)."""
    code = _Runner(handler, dict(os.environ)).main()
    sys.exit(code)


def _log(message: str) -> None:
    print(f"fargate_fan_out_worker: {message}", file=sys.stderr, flush=True)


def cut(text: str, max_chars: int) -> str:
    """`text` cut to at most `max_chars` UTF-8 bytes (so also characters), with a marker.

    Bytes rather than characters: the API counts its limits in characters, and a byte count
    can never exceed them, whichever way AWS counts non-ASCII text."""
    data = text.encode("utf-8")
    if len(data) <= max_chars:
        return text
    head = data[: max_chars - len(_TRUNCATED)].decode("utf-8", errors="ignore")
    return head + _TRUNCATED


def _s3_ref(value: Any) -> Optional[Tuple[str, str]]:
    if isinstance(value, dict) and len(value) == 1 and isinstance(value.get(S3_REF_KEY), dict):
        ref = value[S3_REF_KEY]
        if isinstance(ref.get("bucket"), str) and isinstance(ref.get("key"), str):
            return ref["bucket"], ref["key"]
    return None


def _parse_s3_uri(uri: str) -> Tuple[str, str]:
    if not uri.startswith("s3://") or "/" not in uri[len("s3://"):]:
        raise ValueError(f"{ENV_RESULT_S3_PREFIX} must look like s3://bucket/prefix/, not {uri!r}")
    bucket, prefix = uri[len("s3://"):].split("/", 1)
    return bucket, prefix


class _InvalidInput(Exception):
    """The environment holds no item, or one that is not JSON."""


class _Interrupted(BaseException):
    """Raised in the handler's thread on SIGTERM. A BaseException, so that a handler's
    `except Exception` does not swallow it."""


class _Runner:
    def __init__(self, handler: Handler, env: dict) -> None:
        self._handler = handler
        self._env = env
        self._token: Optional[str] = env.get(ENV_TASK_TOKEN) or None
        self._sfn_client: Any = None
        self._s3_client: Any = None
        # One outcome per task: the first of result, failure, interruption or lost token to take
        # this lock and set _done wins; the others find _done set and only exit.
        self._lock = threading.Lock()
        self._done = False
        self._stop_heartbeats = threading.Event()

    # -- AWS clients, made on first use so that run-job workers without S3 items need none ---
    def _sfn(self) -> Any:
        if self._sfn_client is None:
            import boto3

            self._sfn_client = boto3.client("stepfunctions")
        return self._sfn_client

    def _s3(self) -> Any:
        if self._s3_client is None:
            import boto3

            self._s3_client = boto3.client("s3")
        return self._s3_client

    # -- the main flow ----------------------------------------------------------------------
    def main(self) -> int:
        self._handle_sigterm()
        try:
            return self._main()
        except _Interrupted:  # SIGTERM outside the handler (reading items, reporting a failure)
            self._interrupt()

    def _main(self) -> int:
        if self._token:
            # A first heartbeat at once: the container's start may already have used much of
            # the heartbeat timeout, and a token that is already gone means no work to do.
            if not self._heartbeat():
                return EXIT_TOKEN_GONE
            threading.Thread(target=self._heartbeats, name="fanout-heartbeat", daemon=True).start()
        try:
            batched, items = self._read_items()
            results = [self._call(item) for item in items]
        except _Interrupted:
            self._interrupt()
        except _InvalidInput as error:
            _log(str(error))
            return self._report_failure(ERROR_INVALID_INPUT, str(error))
        except Exception as error:  # the handler's failure is the item's failure
            traceback.print_exc()
            return self._report_failure(type(error).__name__, str(error) or type(error).__name__)
        return self._report_success(results if batched else results[0])

    def _call(self, item: Any) -> Any:
        result = self._handler(item)
        # An `async def` handler returns a coroutine: run it to its result.
        return asyncio.run(result) if inspect.iscoroutine(result) else result

    def _read_items(self) -> Tuple[bool, List[Any]]:
        if ENV_ITEMS in self._env:
            batch = self._resolve(self._parse(ENV_ITEMS))
            if not isinstance(batch, list):
                raise _InvalidInput(f"{ENV_ITEMS} must be a JSON array")
            return True, [self._resolve(item) for item in batch]
        if ENV_ITEM in self._env:
            return False, [self._resolve(self._parse(ENV_ITEM))]
        raise _InvalidInput(f"neither {ENV_ITEM} nor {ENV_ITEMS} is set: is this container run by FargateFanOut?")

    def _parse(self, name: str) -> Any:
        try:
            return json.loads(self._env[name])
        except ValueError as error:
            raise _InvalidInput(f"{name} is not JSON: {error}") from error

    def _resolve(self, value: Any) -> Any:
        """The value itself, or the JSON object it refers to in S3 (items too large for the
        8,192-character container overrides travel that way)."""
        ref = _s3_ref(value)
        if ref is None:
            return value
        bucket, key = ref
        body = self._s3().get_object(Bucket=bucket, Key=key)["Body"].read()
        return json.loads(body)

    # -- reporting ---------------------------------------------------------------------------
    def _report_success(self, output: Any) -> int:
        if not self._token:
            with self._lock:
                if self._done:
                    return EXIT_INTERRUPTED
                self._done = True
            return EXIT_OK
        try:
            body = json.dumps(output)
        except (TypeError, ValueError) as error:
            return self._report_failure(type(error).__name__, f"the handler's result is not JSON: {error}")
        if len(body.encode("utf-8")) > SFN_OUTPUT_MAX_BYTES:
            try:
                body = self._store_large_result(body)
            except Exception as error:
                traceback.print_exc()
                return self._report_failure(ERROR_RESULT_TOO_LARGE, str(error))
        return self._send("send_task_success", EXIT_OK, output=body)

    def _store_large_result(self, body: str) -> str:
        uri = self._env.get(ENV_RESULT_S3_PREFIX)
        size = len(body.encode("utf-8"))
        if not uri:
            raise ValueError(
                f"the result is {size} bytes, over Step Functions' {SFN_OUTPUT_MAX_BYTES}, and "
                f"{ENV_RESULT_S3_PREFIX} is not set to keep it in S3")
        bucket, prefix = _parse_s3_uri(uri)
        # Named after the token: one object per task, and a rerun of the item gets a new token.
        key = prefix + hashlib.sha256(self._token.encode("utf-8")).hexdigest() + ".json"
        self._s3().put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"), ContentType="application/json")
        _log(f"the result ({size} bytes) is in s3://{bucket}/{key}")
        return json.dumps({S3_REF_KEY: {"bucket": bucket, "key": key}})

    def _report_failure(self, error: str, cause: str) -> int:
        if not self._token:
            with self._lock:
                self._done = True
            return EXIT_FAILED
        return self._send("send_task_failure", EXIT_FAILED,
                          error=cut(error, SFN_ERROR_MAX_CHARS), cause=cut(cause, SFN_CAUSE_MAX_CHARS))

    def _send(self, operation: str, exit_code: int, **fields: Any) -> int:
        """Sends the task's one outcome, unless another thread already settled it."""
        with self._lock:
            if self._done:
                return EXIT_INTERRUPTED
            self._done = True
            self._stop_heartbeats.set()
            try:
                getattr(self._sfn(), operation)(taskToken=self._token, **fields)
            except Exception as error:
                if _error_code(error) in SFN_TOKEN_GONE_ERRORS:
                    _log(f"{operation} answered {_error_code(error)}: the state timed out or the execution stopped")
                    return EXIT_TOKEN_GONE
                raise
        return exit_code

    # -- heartbeats --------------------------------------------------------------------------
    def _heartbeat_seconds(self) -> float:
        raw = self._env.get(ENV_HEARTBEAT_SECONDS)
        try:
            seconds = float(raw) if raw else DEFAULT_HEARTBEAT_SECONDS
        except ValueError:
            seconds = -1.0
        if seconds <= 0:
            _log(f"{ENV_HEARTBEAT_SECONDS}={raw!r} is not a positive number: using {DEFAULT_HEARTBEAT_SECONDS}")
            seconds = DEFAULT_HEARTBEAT_SECONDS
        return seconds

    def _heartbeat(self) -> bool:
        """Sends one heartbeat; False when the token is gone. Other errors (throttling, the
        network) are logged and the next heartbeat tries again."""
        try:
            self._sfn().send_task_heartbeat(taskToken=self._token)
        except Exception as error:
            if _error_code(error) in SFN_TOKEN_GONE_ERRORS:
                _log(f"SendTaskHeartbeat answered {_error_code(error)}: the state timed out or the "
                     f"execution stopped, and nobody waits for this task: stopping")
                return False
            _log(f"SendTaskHeartbeat failed, will try again: {error}")
        return True

    def _heartbeats(self) -> None:
        # A thread of its own: a busy handler holds the GIL only for a switch interval (5 ms) at
        # a time, so heartbeats go out while it computes.
        interval = self._heartbeat_seconds()
        while not self._stop_heartbeats.wait(interval):
            if not self._heartbeat():
                with self._lock:
                    if self._done:
                        return
                    self._done = True
                _exit_now(EXIT_TOKEN_GONE)

    # -- SIGTERM -----------------------------------------------------------------------------
    def _handle_sigterm(self) -> None:
        """Two paths to the same report, so that neither a handler stuck in C code (which keeps
        Python's signal handler from running) nor an event loop that takes over the wakeup fd
        (asyncio's add_signal_handler) can hide a SIGTERM: the C-level handler writes to the wakeup socket, read by a
        thread of ours; the Python-level handler raises _Interrupted in the handler's thread."""
        signal.signal(signal.SIGTERM, self._on_sigterm)
        reader, writer = socket.socketpair()
        writer.setblocking(False)
        signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
        self._wakeup = (reader, writer)  # kept alive with the runner

        def watch() -> None:
            while True:
                if signal.SIGTERM in reader.recv(64):
                    self._interrupt()

        threading.Thread(target=watch, name="fanout-sigterm", daemon=True).start()

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        # While the outcome is being sent, let it finish; the watcher thread exits afterwards.
        if not self._lock.locked():
            raise _Interrupted()

    def _interrupt(self) -> NoReturn:
        """Reports the interruption (never a success) and exits with EXIT_INTERRUPTED."""
        with self._lock:
            if not self._done:
                self._done = True
                self._stop_heartbeats.set()
                _log("SIGTERM: the task is being stopped (Spot interruption or StopTask); the item must run again")
                if self._token:
                    try:
                        self._sfn().send_task_failure(
                            taskToken=self._token, error=ERROR_INTERRUPTED,
                            cause=cut("SIGTERM: the task was stopped (Spot interruption or StopTask) before the "
                                      "handler finished; run the item again", SFN_CAUSE_MAX_CHARS))
                    except Exception as error:  # exit all the same: the heartbeat timeout catches it
                        _log(f"SendTaskFailure for the interruption failed: {error}")
        _exit_now(EXIT_INTERRUPTED)


def _error_code(error: Exception) -> Optional[str]:
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return response.get("Error", {}).get("Code")
    return None


def _exit_now(code: int) -> NoReturn:
    """Ends the process from any thread, without waiting for the handler."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)

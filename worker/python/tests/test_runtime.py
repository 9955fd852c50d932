"""The Python runtime in a real worker process, against moto's S3 and Step Functions."""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from conftest import Aws, StubSfn, Worker, run_worker

from fargate_fan_out_worker import (
    ERROR_INTERRUPTED, ERROR_RESULT_TOO_LARGE, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_TOKEN_GONE,
)
from fargate_fan_out_worker.limits import SFN_CAUSE_MAX_CHARS, SFN_ERROR_MAX_CHARS, SFN_OUTPUT_MAX_BYTES

# Over the 8,192 characters of RunTask's container overrides: such an item only travels by S3.
LARGE_ITEM = {"data": "abcde" + "z" * 20_000}


# -- run-job (.sync): the exit code is the outcome -------------------------------------------------
def test_run_job_exits_0_when_the_handler_succeeds(aws: Aws) -> None:
    w = run_worker("echo", aws.env(FANOUT_ITEM=json.dumps({"id": 7})))
    assert w.code == EXIT_OK, w.err
    assert 'ITEM {"id": 7}' in w.out


def test_fails_run_job_with_exit_1_when_the_handler_raises(aws: Aws) -> None:
    w = run_worker("fail", aws.env(FANOUT_ITEM='"x"'))
    assert w.code == EXIT_FAILED
    assert "ValueError: cannot process x" in w.err


def test_run_job_calls_the_handler_for_each_item_of_a_batch(aws: Aws) -> None:
    w = run_worker("echo", aws.env(FANOUT_ITEMS=json.dumps([1, {"a": 2}, "three"])))
    assert w.code == EXIT_OK, w.err
    assert [line for line in w.out.splitlines() if line.startswith("ITEM")] == ['ITEM 1', 'ITEM {"a": 2}', 'ITEM "three"']


def test_fails_a_batch_at_its_first_failing_item(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("fail_second", aws.env(FANOUT_ITEMS="[1, 2, 3]", FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_FAILED
    assert [line for line in w.out.splitlines() if line.startswith("ITEM")] == ["ITEM 1", "ITEM 2"]
    ex.wait()
    assert ex.failure()["error"] == "ValueError"
    assert ex.successes() == []


def test_fails_without_an_item(aws: Aws) -> None:
    w = run_worker("echo", aws.env())
    assert w.code == EXIT_FAILED
    assert "neither FANOUT_ITEM nor FANOUT_ITEMS" in w.err


# -- callback (.waitForTaskToken): the outcome goes to Step Functions ------------------------------
def test_callback_sends_the_handlers_result_with_send_task_success(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("echo", aws.env(FANOUT_ITEM='{"id": 1}', FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_OK, w.err
    done = ex.wait()
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"got": {"id": 1}}


def test_callback_runs_an_async_handler(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("echo_async", aws.env(FANOUT_ITEM='{"id": 2}', FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_OK, w.err
    assert json.loads(ex.wait()["output"]) == {"got": {"id": 2}}


def test_callback_sends_a_batchs_results_as_an_array(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("echo", aws.env(FANOUT_ITEMS="[1, 2]", FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_OK, w.err
    assert json.loads(ex.wait()["output"]) == [{"got": 1}, {"got": 2}]


def test_fails_callback_with_send_task_failure_naming_the_error(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("fail", aws.env(FANOUT_ITEM='"x"', FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_FAILED
    assert ex.wait()["status"] == "FAILED"
    assert ex.failure()["error"] == "ValueError"
    assert ex.failure()["cause"] == "cannot process x"


def test_fails_callback_with_error_and_cause_cut_to_the_api_limits(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("long_failure", aws.env(FANOUT_ITEM="{}", FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_FAILED
    ex.wait()
    failure = ex.failure()
    # moto does not enforce the limits (AWS does): check what the worker sent.
    assert len(failure["error"].encode()) <= SFN_ERROR_MAX_CHARS
    assert len(failure["cause"].encode()) <= SFN_CAUSE_MAX_CHARS
    assert failure["error"].startswith("EEEE") and failure["error"].endswith("[truncated]")
    assert failure["cause"].startswith("éééé") and failure["cause"].endswith("[truncated]")
    assert len(failure["cause"]) > SFN_CAUSE_MAX_CHARS // 2 - 20  # cut, not dropped (é is 2 bytes)


def test_fails_callback_when_the_result_is_not_json(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("not_json", aws.env(FANOUT_ITEM="{}", FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_FAILED
    ex.wait()
    assert ex.failure()["error"] == "TypeError"


def test_heartbeats_keep_a_cpu_busy_handler_alive(aws: Aws) -> None:
    # The state fails after 2 s without a heartbeat; the handler computes for 6 s.
    ex = aws.start_callback(heartbeat_seconds=2)
    w = run_worker("busy", aws.env(FANOUT_ITEM='{"seconds": 6}', FANOUT_TASK_TOKEN=ex.token,
                                   FANOUT_HEARTBEAT_SECONDS="0.5"))
    assert w.code == EXIT_OK, w.err
    done = ex.wait()
    assert done["status"] == "SUCCEEDED", ex.event_types()
    assert json.loads(done["output"]) == {"busy": 6}
    # One at the start, then every 0.5 s while the handler computed for 6 s (slack for a loaded machine).
    assert ex.heartbeats() >= 6, ex.heartbeats()


def test_fails_callback_when_heartbeats_are_too_rare(aws: Aws) -> None:
    # The counter-test of the one above: the same handler with heartbeats every 5 s times out,
    # so the test above shows the heartbeats, not a lenient moto.
    ex = aws.start_callback(heartbeat_seconds=2)
    w = Worker("sleepy", aws.env(FANOUT_ITEM='{"seconds": 6}', FANOUT_TASK_TOKEN=ex.token,
                                 FANOUT_HEARTBEAT_SECONDS="5"))
    done = ex.wait(timeout=10)
    assert done["status"] == "FAILED"
    assert done["error"] == "States.Timeout"
    w.finish()


def test_stops_the_work_when_the_state_timed_out(aws: Aws) -> None:
    # The state's heartbeat timeout passes; the next heartbeat is refused (moto: InvalidToken)
    # and the worker stops at once instead of computing for nobody.
    ex = aws.start_callback(heartbeat_seconds=1)
    started = time.monotonic()
    w = run_worker("sleepy", aws.env(FANOUT_ITEM='{"seconds": 60}', FANOUT_TASK_TOKEN=ex.token,
                                     FANOUT_HEARTBEAT_SECONDS="3"))
    assert w.code == EXIT_TOKEN_GONE, w.err
    assert time.monotonic() - started < 20
    assert "DONE" not in w.out
    assert "InvalidToken" in w.err


@pytest.mark.parametrize("error_code", ["TaskTimedOut", "InvalidToken"])
def test_does_no_work_when_the_first_heartbeat_says_the_token_is_gone(aws: Aws, error_code: str) -> None:
    stub = StubSfn(error_code)
    try:
        env = aws.env(FANOUT_ITEM="{}", FANOUT_TASK_TOKEN="token")
        env["AWS_ENDPOINT_URL"] = stub.url
        w = run_worker("echo", env)
    finally:
        stub.close()
    assert w.code == EXIT_TOKEN_GONE, w.err
    assert "ITEM" not in w.out
    assert stub.calls == ["SendTaskHeartbeat"]
    assert error_code in w.err


# -- large items and results through S3 -------------------------------------------------------------
def test_reads_an_item_given_as_an_s3_reference(aws: Aws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="items/1.json", Body=json.dumps(LARGE_ITEM).encode())
    ref = json.dumps({"fanOutS3Ref": {"bucket": bucket, "key": "items/1.json"}})
    ex = aws.start_callback()
    w = run_worker("size", aws.env(FANOUT_ITEM=ref, FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_OK, w.err
    assert json.loads(ex.wait()["output"]) == {"chars": len(json.dumps(LARGE_ITEM)), "first": "abcde"}


def test_reads_a_batch_and_its_items_given_as_s3_references(aws: Aws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="one.json", Body=json.dumps(LARGE_ITEM).encode())
    batch = [{"fanOutS3Ref": {"bucket": bucket, "key": "one.json"}}, {"data": "small"}]
    aws.s3.put_object(Bucket=bucket, Key="batch.json", Body=json.dumps(batch).encode())
    ex = aws.start_callback()
    w = run_worker("size", aws.env(FANOUT_ITEMS=json.dumps({"fanOutS3Ref": {"bucket": bucket, "key": "batch.json"}}),
                                   FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_OK, w.err
    assert [r["first"] for r in json.loads(ex.wait()["output"])] == ["abcde", "small"]


def test_sends_a_result_over_256_kib_as_an_s3_reference(aws: Aws) -> None:
    bucket = aws.bucket()
    ex = aws.start_callback()
    item = {"bytes": SFN_OUTPUT_MAX_BYTES + 1}
    w = run_worker("large_result", aws.env(FANOUT_ITEM=json.dumps(item), FANOUT_TASK_TOKEN=ex.token,
                                           FANOUT_RESULT_S3_PREFIX=f"s3://{bucket}/results/"))
    assert w.code == EXIT_OK, w.err
    ref = json.loads(ex.wait()["output"])["fanOutS3Ref"]
    assert ref["bucket"] == bucket and ref["key"].startswith("results/")
    stored = aws.s3.get_object(Bucket=bucket, Key=ref["key"])["Body"].read()
    assert json.loads(stored) == "x" * item["bytes"]


def test_sends_a_result_of_exactly_256_kib_inline(aws: Aws) -> None:
    ex = aws.start_callback()
    item = {"bytes": SFN_OUTPUT_MAX_BYTES - 2}  # the JSON string's quotes make it 262,144 bytes
    w = run_worker("large_result", aws.env(FANOUT_ITEM=json.dumps(item), FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_OK, w.err
    assert ex.wait()["status"] == "SUCCEEDED"
    # What the worker sent (moto's execution output drops a string result's quotes).
    [success] = ex.successes()
    assert len(success["output"].encode()) == SFN_OUTPUT_MAX_BYTES
    assert json.loads(success["output"]) == "x" * item["bytes"]


def test_fails_a_result_over_256_kib_without_a_result_prefix(aws: Aws) -> None:
    ex = aws.start_callback()
    w = run_worker("large_result", aws.env(FANOUT_ITEM=json.dumps({"bytes": 300_000}), FANOUT_TASK_TOKEN=ex.token))
    assert w.code == EXIT_FAILED
    ex.wait()
    assert ex.failure()["error"] == ERROR_RESULT_TOO_LARGE
    assert "FANOUT_RESULT_S3_PREFIX" in ex.failure()["cause"]


# -- SIGTERM, sent for real to a worker mid-work ---------------------------------------------------
@pytest.mark.parametrize("handler", ["busy", "sleepy", "asyncio_sleepy", "stuck_in_c"])
def test_sigterm_in_run_job_exits_143_and_never_0(aws: Aws, handler: str) -> None:
    w = Worker(handler, aws.env(FANOUT_ITEM='{"seconds": 60}'))
    w.wait_for_line("STARTED")
    os.kill(w.process.pid, signal.SIGTERM)
    w.finish(timeout=10)
    assert w.code == EXIT_INTERRUPTED, w.err
    assert "DONE" not in w.out
    assert "SIGTERM" in w.err


@pytest.mark.parametrize("handler", ["busy", "asyncio_sleepy", "stuck_in_c"])
def test_sigterm_in_callback_sends_the_interruption_and_never_a_success(aws: Aws, handler: str) -> None:
    ex = aws.start_callback()
    w = Worker(handler, aws.env(FANOUT_ITEM='{"seconds": 60}', FANOUT_TASK_TOKEN=ex.token,
                                FANOUT_HEARTBEAT_SECONDS="0.5"))
    w.wait_for_line("STARTED")
    os.kill(w.process.pid, signal.SIGTERM)
    w.finish(timeout=10)
    assert w.code == EXIT_INTERRUPTED, w.err
    done = ex.wait()
    assert done["status"] == "FAILED"
    assert ex.failure()["error"] == ERROR_INTERRUPTED
    assert "TaskSucceeded" not in ex.event_types()
    assert ex.successes() == []

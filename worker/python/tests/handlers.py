"""Worker processes for the tests: `python handlers.py NAME` runs the runtime with handler NAME.

Each handler prints what it did to stdout, so the tests can tell how far it got."""

import hashlib
import json
import sys
import time

from fargate_fan_out_worker import run


def say(*words: object) -> None:
    print(*words, flush=True)


def echo(item):
    say("ITEM", json.dumps(item))
    return {"got": item}


async def echo_async(item):
    return {"got": item}


def fail(item):
    say("ITEM", json.dumps(item))
    raise ValueError(f"cannot process {item}")


def long_failure(item):
    # An exception class with a 300-character name and a 40,000-character message: both over the
    # SendTaskFailure limits.
    error = type("E" * 300, (Exception,), {})
    raise error("é" * 40_000)


def busy(item):
    # CPU-bound pure Python for item["seconds"]: a heartbeat sender on the same thread would starve.
    say("STARTED")
    end = time.monotonic() + item["seconds"]
    n = 0
    while time.monotonic() < end:
        n += 1
    say("DONE", n > 0)
    return {"busy": item["seconds"]}


def sleepy(item):
    say("STARTED")
    time.sleep(item.get("seconds", 60))
    say("DONE")
    return "slept"


def asyncio_sleepy(item):
    # An event loop with a signal handler of its own takes over the signal wakeup fd.
    import asyncio
    import signal

    async def main() -> None:
        asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, lambda: None)
        say("STARTED")
        await asyncio.sleep(item.get("seconds", 60))

    asyncio.run(main())
    say("DONE")
    return "slept"


def fail_second(item):
    say("ITEM", json.dumps(item))
    if item == 2:
        raise ValueError("the second item fails")
    return item


def stuck_in_c(item):
    # One long C call: Python's own signal handler cannot run until it returns.
    say("STARTED")
    hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 10**9)
    say("DONE")
    return "hashed"


def large_result(item):
    return "x" * item["bytes"]


def size(item):
    return {"chars": len(json.dumps(item)), "first": item["data"][:5]}


def not_json(item):
    return {1, 2}


HANDLERS = {f.__name__: f for f in [echo, echo_async, fail, long_failure, busy, sleepy, asyncio_sleepy, fail_second, stuck_in_c, large_result, size, not_json]}

if __name__ == "__main__":
    run(HANDLERS[sys.argv[1]])

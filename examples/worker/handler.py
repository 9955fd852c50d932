"""The example worker: processes one item of the fan-out with the Python worker runtime.

The runtime reads the item (from FANOUT_ITEM, FANOUT_ITEMS or an S3 reference), calls `handler`
once per item, and reports: exit code 0/1 with run-job, SendTaskSuccess/SendTaskFailure with the
callback pattern; SIGTERM (Spot, StopTask) is reported as an interruption so the item runs again.
"""

from fargate_fan_out_worker import run


def handler(item):
    print(f"processing item: {item}", flush=True)
    return {"item": item, "processed": True}


run(handler)

#!/usr/bin/env python3
"""The app of examples/bindings-app.ts (the example stack, the features stack and a planner
report) as a Python CDK user writes it.

scripts/test-bindings.sh runs it after a plain `pip install` of the wheel built into dist/python:
it synthesizes into $CDK_OUTDIR (which the CDK CLI also sets), and the script compares the
templates and the report with those of the TypeScript app.
"""
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_s3 as s3
from cdk_fargate_fan_out import (
    FanOutCapacity,
    FanOutIntegrationPattern,
    FanOutItemBatching,
    FanOutItems,
    FanOutPlanner,
    FargateFanOut,
)
from constructs import Construct

WORKER = str(Path(__file__).parent.parent / "worker")


# [usage]
class ExampleStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Run the worker image once per item of $.items: 1 vCPU per task, 16 vCPUs at most.
        self.fan_out = FargateFanOut(
            self,
            "FanOut",
            image=ecs.ContainerImage.from_asset(WORKER),
            cpu=1024,
            memory_limit_mib=2048,
            max_vcpus=16,
        )
# [/usage]


class FeaturesStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # [features]
        image = ecs.ContainerImage.from_asset(WORKER)
        bucket = s3.Bucket(self, "Items", enforce_ssl=True)

        # One row of items.csv per item, ten rows per Fargate Spot task; a task that Spot cannot
        # place reruns once on on-demand; the run succeeds with up to 5% of the items failed.
        self.batched = FargateFanOut(
            self,
            "Batched",
            image=image,
            items=FanOutItems.from_s3_csv(bucket, "items.csv"),
            item_batching=FanOutItemBatching(max_items=10),
            capacity=FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK,
            tolerated_failure_percentage=5,
        )

        # Each container reports its result with the task token in FANOUT_TASK_TOKEN; the run
        # succeeds with up to 3 items failed.
        self.callback = FargateFanOut(
            self,
            "Callback",
            image=image,
            integration_pattern=FanOutIntegrationPattern.CALLBACK,
            tolerated_failure_count=3,
        )
        # [/features]


app = cdk.App()
example = ExampleStack(app, "FargateFanOutExample")
features = FeaturesStack(app, "FargateFanOutFeatures")
assembly = app.synth()

print(f"Synthesized {example.stack_name} and {features.stack_name} into {assembly.directory}")
# [planner]
# 1,000 one-minute items, ten per task: how long, what it costs, which limit binds.
report = FanOutPlanner.report(items=1000, task_duration=cdk.Duration.minutes(1), items_per_task=10)
# [/planner]
print("--- FanOutPlanner.report")
print(report)

#!/usr/bin/env python3
"""The example app (examples/example-stack.ts + examples/app.ts) as a Python CDK user writes it.

scripts/test-bindings.sh runs it against the wheel built into dist/python: it synthesizes into
$CDK_OUTDIR (which the CDK CLI also sets), and the script compares the template with the one the
TypeScript example synthesizes.
"""
# [usage]
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from cdk_fargate_fan_out import FargateFanOut
from constructs import Construct


class ExampleStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs) -> None:
        super().__init__(scope, construct_id, **kwargs)
        # Run the worker image once per item of $.items: 1 vCPU per task, 16 vCPUs at most.
        self.fan_out = FargateFanOut(
            self,
            "FanOut",
            image=ecs.ContainerImage.from_asset(str(Path(__file__).parent.parent / "worker")),
            cpu=1024,
            memory_limit_mib=2048,
            max_vcpus=16,
        )
# [/usage]


app = cdk.App()
stack = ExampleStack(app, "FargateFanOutExample")
assembly = app.synth()

print(f"Synthesized {stack.stack_name} into {assembly.directory}")
print(stack.fan_out.describe())

import aws_cdk as cdk
from aws_cdk import aws_ecs as ecs
from cdk_fargate_fan_out import FargateFanOut

app = cdk.App()
stack = cdk.Stack(app, "Thumbnails")

# Run the image built from ./worker once per item of $.items: 1 vCPU and 2 GiB per task,
# at most 16 vCPUs at once (your Fargate vCPU quota, or a share of it).
fan_out = FargateFanOut(stack, "FanOut", image=ecs.ContainerImage.from_asset("worker"),
                        cpu=1024, memory_limit_mib=2048, max_vcpus=16)
cdk.CfnOutput(stack, "StateMachineArn", value=fan_out.state_machine.state_machine_arn)
cdk.CfnOutput(stack, "ResultBucket", value=fan_out.result_bucket.bucket_name)

app.synth()

// The example app (examples/example-stack.ts + examples/app.ts) as a Go CDK user writes it.
// scripts/test-bindings.sh runs it when BINDINGS_LANGS includes go (see examples/BINDINGS.md).
package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-fargate-fan-out/cdk-fargate-fan-out-go/cdkfargatefanout"
)

// [usage]
func NewExampleStack(scope constructs.Construct, id string, props *awscdk.StackProps) (awscdk.Stack, cdkfargatefanout.FargateFanOut) {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	// Run the worker image once per item of $.items: 1 vCPU per task, 16 vCPUs at most.
	fanOut := cdkfargatefanout.NewFargateFanOut(stack, jsii.String("FanOut"), &cdkfargatefanout.FargateFanOutProps{
		Image:          awsecs.ContainerImage_FromAsset(jsii.String("../worker"), nil),
		Cpu:            jsii.Number(1024),
		MemoryLimitMiB: jsii.Number(2048),
		MaxVcpus:       jsii.Number(16),
	})
	return stack, fanOut
}

// [/usage]

// Synthesizes into $CDK_OUTDIR (the CDK CLI sets it too). Run from examples/go, where the asset
// directory ../worker is examples/worker.
func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack, fanOut := NewExampleStack(app, "FargateFanOutExample", nil)
	assembly := app.Synth(nil)
	fmt.Printf("Synthesized %s into %s\n", *stack.StackName(), *assembly.Directory())
	fmt.Println(*fanOut.Describe())
}

// The app of examples/bindings-app.ts (the example stack, the features stack and a planner
// report) as a Go CDK user writes it. scripts/test-bindings.sh runs it (see examples/BINDINGS.md).
package main

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
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

func NewFeaturesStack(scope constructs.Construct, id string, props *awscdk.StackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), props)
	// [features]
	image := awsecs.ContainerImage_FromAsset(jsii.String("../worker"), nil)
	bucket := awss3.NewBucket(stack, jsii.String("Items"), &awss3.BucketProps{EnforceSSL: jsii.Bool(true)})

	// One row of items.csv per item, ten rows per Fargate Spot task; a task that Spot cannot
	// place reruns once on on-demand; the run succeeds with up to 5% of the items failed.
	cdkfargatefanout.NewFargateFanOut(stack, jsii.String("Batched"), &cdkfargatefanout.FargateFanOutProps{
		Image:                      image,
		Items:                      cdkfargatefanout.FanOutItems_FromS3Csv(bucket, jsii.String("items.csv"), nil),
		ItemBatching:               &cdkfargatefanout.FanOutItemBatching{MaxItems: jsii.Number(10)},
		Capacity:                   cdkfargatefanout.FanOutCapacity_SPOT_WITH_ON_DEMAND_FALLBACK,
		ToleratedFailurePercentage: jsii.Number(5),
	})

	// Each container reports its result with the task token in FANOUT_TASK_TOKEN; the run
	// succeeds with up to 3 items failed.
	cdkfargatefanout.NewFargateFanOut(stack, jsii.String("Callback"), &cdkfargatefanout.FargateFanOutProps{
		Image:                 image,
		IntegrationPattern:    cdkfargatefanout.FanOutIntegrationPattern_CALLBACK,
		ToleratedFailureCount: jsii.Number(3),
	})
	// [/features]
	return stack
}

// Synthesizes into $CDK_OUTDIR (the CDK CLI sets it too). Run from examples/go, where the asset
// directory ../worker is examples/worker.
func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	example, _ := NewExampleStack(app, "FargateFanOutExample", nil)
	features := NewFeaturesStack(app, "FargateFanOutFeatures", nil)
	assembly := app.Synth(nil)
	fmt.Printf("Synthesized %s and %s into %s\n", *example.StackName(), *features.StackName(), *assembly.Directory())
	// [planner]
	// 1,000 one-minute items, ten per task: how long, what it costs, which limit binds.
	report := cdkfargatefanout.FanOutPlanner_Report(&cdkfargatefanout.FanOutPlanOptions{
		Items:        jsii.Number(1000),
		TaskDuration: awscdk.Duration_Minutes(jsii.Number(1)),
		ItemsPerTask: jsii.Number(10),
	})
	// [/planner]
	fmt.Println("--- FanOutPlanner.report")
	fmt.Println(*report)
}

module github.com/cdk-fargate-fan-out/cdk-fargate-fan-out/examples/go

go 1.26

require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.276.0
	github.com/aws/constructs-go/constructs/v10 v10.5.1
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/cdk-fargate-fan-out/cdk-fargate-fan-out-go/cdkfargatefanout v0.0.0
)

// The module jsii-pacmak generates (npx jsii-pacmak --targets go --code-only -o dist), in place of
// the published one.
replace github.com/cdk-fargate-fan-out/cdk-fargate-fan-out-go/cdkfargatefanout => ../../dist/go/cdkfargatefanout

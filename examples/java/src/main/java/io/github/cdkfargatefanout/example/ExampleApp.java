package io.github.cdkfargatefanout.example;

import software.amazon.awscdk.App;
import software.amazon.awscdk.cxapi.CloudAssembly;

// [usage]
import io.github.cdkfargatefanout.FargateFanOut;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.constructs.Construct;

class ExampleStack extends Stack {
    final FargateFanOut fanOut;

    ExampleStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        // Run the worker image once per item of $.items: 1 vCPU per task, 16 vCPUs at most.
        this.fanOut = FargateFanOut.Builder.create(this, "FanOut")
                .image(ContainerImage.fromAsset("../worker"))
                .cpu(1024)
                .memoryLimitMiB(2048)
                .maxVcpus(16)
                .build();
    }
}
// [/usage]

/**
 * The example app (examples/example-stack.ts + examples/app.ts) as a Java CDK user writes it.
 * Synthesizes into $CDK_OUTDIR (the CDK CLI sets it too). Run from examples/java, where the asset
 * directory ../worker is examples/worker.
 */
public final class ExampleApp {
    private ExampleApp() {
    }

    public static void main(final String[] args) {
        App app = new App();
        ExampleStack stack = new ExampleStack(app, "FargateFanOutExample", null);
        CloudAssembly assembly = app.synth();

        System.out.println("Synthesized " + stack.getStackName() + " into " + assembly.getDirectory());
        System.out.println(stack.fanOut.describe());
    }
}

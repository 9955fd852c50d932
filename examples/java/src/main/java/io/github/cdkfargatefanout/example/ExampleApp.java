package io.github.cdkfargatefanout.example;

import io.github.cdkfargatefanout.FanOutPlanOptions;
import io.github.cdkfargatefanout.FanOutPlanner;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Duration;
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
 * The app of examples/bindings-app.ts (the example stack, the features stack and a planner report)
 * as a Java CDK user writes it. Synthesizes into $CDK_OUTDIR (the CDK CLI sets it too). Run from
 * examples/java, where the asset directory ../worker is examples/worker.
 */
public final class ExampleApp {
    private ExampleApp() {
    }

    public static void main(final String[] args) {
        App app = new App();
        ExampleStack example = new ExampleStack(app, "FargateFanOutExample", null);
        FeaturesStack features = new FeaturesStack(app, "FargateFanOutFeatures", null);
        CloudAssembly assembly = app.synth();

        System.out.println("Synthesized " + example.getStackName() + " and " + features.getStackName()
                + " into " + assembly.getDirectory());
        // [planner]
        // 1,000 one-minute items, ten per task: how long, what it costs, which limit binds.
        String report = FanOutPlanner.report(FanOutPlanOptions.builder()
                .items(1000)
                .taskDuration(Duration.minutes(1))
                .itemsPerTask(10)
                .build());
        // [/planner]
        System.out.println("--- FanOutPlanner.report");
        System.out.println(report);
    }
}

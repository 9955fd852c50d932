package io.github.cdkfargatefanout.example;

import io.github.cdkfargatefanout.FanOutCapacity;
import io.github.cdkfargatefanout.FanOutIntegrationPattern;
import io.github.cdkfargatefanout.FanOutItemBatching;
import io.github.cdkfargatefanout.FanOutItems;
import io.github.cdkfargatefanout.FargateFanOut;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.s3.Bucket;
import software.constructs.Construct;

/** The features stack of examples/features-stack.ts, as a Java CDK user writes it. */
class FeaturesStack extends Stack {
    final FargateFanOut batched;
    final FargateFanOut callback;

    FeaturesStack(final Construct scope, final String id, final StackProps props) {
        super(scope, id, props);
        // [features]
        ContainerImage image = ContainerImage.fromAsset("../worker");
        Bucket bucket = Bucket.Builder.create(this, "Items").enforceSsl(true).build();

        // One row of items.csv per item, ten rows per Fargate Spot task; a task that Spot cannot
        // place reruns once on on-demand; the run succeeds with up to 5% of the items failed.
        this.batched = FargateFanOut.Builder.create(this, "Batched")
                .image(image)
                .items(FanOutItems.fromS3Csv(bucket, "items.csv"))
                .itemBatching(FanOutItemBatching.builder().maxItems(10).build())
                .capacity(FanOutCapacity.SPOT_WITH_ON_DEMAND_FALLBACK)
                .toleratedFailurePercentage(5)
                .build();

        // Each container reports its result with the task token in FANOUT_TASK_TOKEN; the run
        // succeeds with up to 3 items failed.
        this.callback = FargateFanOut.Builder.create(this, "Callback")
                .image(image)
                .integrationPattern(FanOutIntegrationPattern.CALLBACK)
                .toleratedFailureCount(3)
                .build();
        // [/features]
    }
}

import { Aws } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { ECS_SDK_RUN_TASK_CALLBACK_RESOURCE } from '../../facts';

/**
 * RunTask through the AWS SDK integration, waiting for a task token
 * (`arn:aws:states:::aws-sdk:ecs:runTask.waitForTaskToken`). The optimized integration takes
 * only a documented list of RunTask fields, and the callback pattern needs `StartedBy` to find a
 * task whose callback never came; the SDK integration takes every RunTask field with the same
 * names and shapes. Everything else (parameters, IAM: `ecs:RunTask` on the task definition and
 * `iam:PassRole` on its roles, which is what the SDK call needs too) is the L2's, so that only
 * the resource differs from what `EcsRunTask` renders.
 */
export class SdkCallbackRunTask extends tasks.EcsRunTask {
  constructor(scope: Construct, id: string, props: tasks.EcsRunTaskJsonPathProps) {
    if (props.integrationPattern !== sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN) {
      throw new Error('SdkCallbackRunTask runs tasks with the callback pattern (WAIT_FOR_TASK_TOKEN) only: the SDK integration has no .sync');
    }
    super(scope, id, props);
  }

  public toStateJson(topLevelQueryLanguage?: sfn.QueryLanguage): object {
    return { ...super.toStateJson(topLevelQueryLanguage), Resource: `arn:${Aws.PARTITION}:${ECS_SDK_RUN_TASK_CALLBACK_RESOURCE}` };
  }
}

/**
 * A Fargate launch target that also sets RunTask's `StartedBy` from the state input: the
 * extension point aws-cdk-lib's launch targets have for RunTask parameters it does not model.
 * Only for SdkCallbackRunTask: the optimized integration does not take `StartedBy`.
 */
export class StartedByLaunchTarget implements tasks.IEcsLaunchTarget {
  constructor(private readonly inner: tasks.IEcsLaunchTarget, private readonly startedByPath: string) {}

  public bind(task: tasks.EcsRunTask, launchTargetOptions: tasks.LaunchTargetBindOptions): tasks.EcsLaunchTargetConfig {
    const config = this.inner.bind(task, launchTargetOptions);
    return { parameters: { ...config.parameters, 'StartedBy.$': this.startedByPath } };
  }
}

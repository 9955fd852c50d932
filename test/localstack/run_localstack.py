"""Starts LocalStack (host mode, as `python -m localstack.runtime.main` does) with one change to
its mock layer, none to its interpreter.

A mocked response `{"Throw": {"Error": "States.TaskFailed", ...}}` is what `ecs:runTask.sync` does
on AWS for a task that stops with a non-zero exit code, and the Step Functions Local mock format
allows it. LocalStack 2026.3.0 wraps every mocked error name as a custom one, which must not
begin with `States.`, so such a mock fails the Task state with States.Runtime ("Custom Error
Names MUST NOT begin with the prefix 'States.'"). Here a `States.` name that the language defines
is raised as that error instead; any other name is still a custom error. How the interpreter
evaluates paths, catches and retries is untouched.
"""
from localstack.services.stepfunctions.asl.component.common.error_name.custom_error_name import CustomErrorName
from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import StatesErrorName
from localstack.services.stepfunctions.asl.component.state.state_execution.state_task import local_mock_eval_utils


def _error_name(name: str):
    if name.startswith("States."):
        return StatesErrorName.from_name(name)
    return CustomErrorName(name)


local_mock_eval_utils.CustomErrorName = _error_name

if __name__ == "__main__":
    from localstack.runtime.main import main

    main()

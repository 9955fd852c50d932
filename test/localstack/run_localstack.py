"""Starts LocalStack (host mode, as `python -m localstack.runtime.main` does) with one change to
its mock layer and, on request, one to its JSONPath evaluation.

1. Mocked `States.` errors. A mocked response `{"Throw": {"Error": "States.TaskFailed", ...}}` is
   what `ecs:runTask.sync` does on AWS for a task that stops with a non-zero exit code, and the
   Step Functions Local mock format allows it. LocalStack 2026.3.0 wraps every mocked error name
   as a custom one, which must not begin with `States.`, so such a mock fails the Task state with
   States.Runtime ("Custom Error Names MUST NOT begin with the prefix 'States.'"). Here a `States.`
   name the language defines is raised as that error; any other name is still a custom error.

2. Only with FANOUT_INDEFINITE_PATHS=jayway: an indefinite JSONPath (a deep scan `..`, a wildcard
   `*`, a filter `[?(...)]`, a slice or a union) gives the list of its matches, `[]` when nothing
   matches, as Jayway JsonPath does and as the offline harness's correction assumes
   (test/harness/indefinite-paths.ts). As shipped, LocalStack gives `[]` only for one wildcard or
   slice and fails the state for the others, and gives a single match unwrapped. This is the
   "correction on" run of the same scenarios, to show that they end as intended when AWS answers
   `[]`; the runs without it show what happens when it does not.
"""
import importlib
import os
import re

from localstack.services.stepfunctions.asl.component.common.error_name.custom_error_name import CustomErrorName
from localstack.services.stepfunctions.asl.component.common.error_name.states_error_name import StatesErrorName
from localstack.services.stepfunctions.asl.component.state.state_execution.state_task import local_mock_eval_utils


def _error_name(name: str):
    if name.startswith("States."):
        return StatesErrorName.from_name(name)
    return CustomErrorName(name)


local_mock_eval_utils.CustomErrorName = _error_name

# The modules that evaluate paths at run time and imported extract_json by name.
_PATH_EVALUATING_MODULES = [
    "localstack.services.stepfunctions.asl.component.common.string.string_expression",
    "localstack.services.stepfunctions.asl.component.intrinsic.argument.argument",
    "localstack.services.stepfunctions.asl.component.state.state_choice.comparison.operator.implementations.timestamp_operators",
    "localstack.services.stepfunctions.asl.component.state.state_choice.comparison.operator.implementations.boolean_equals",
    "localstack.services.stepfunctions.asl.component.state.state_choice.comparison.operator.implementations.numeric",
    "localstack.services.stepfunctions.asl.component.state.state_choice.comparison.operator.implementations.string_operators",
    "localstack.services.stepfunctions.asl.eval.states",
]


def _is_indefinite(path: str) -> bool:
    unquoted = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "''", path)
    if ".." in unquoted or "*" in unquoted:
        return True
    for inside in re.findall(r"\[([^\]]*)\]", unquoted):
        if inside.strip().startswith("?") or ":" in inside or "," in inside:
            return True
    return False


def _correct_indefinite_paths() -> None:
    from jsonpath_ng.ext import parse

    from localstack.services.stepfunctions.asl.utils import json_path

    original = json_path.extract_json

    def extract_json(path, data):
        if _is_indefinite(path):
            return [match.value for match in parse(path).find(data)]
        return original(path, data)

    json_path.extract_json = extract_json
    for name in _PATH_EVALUATING_MODULES:
        module = importlib.import_module(name)
        if not hasattr(module, "extract_json"):
            raise RuntimeError(f"{name} no longer imports extract_json: update _PATH_EVALUATING_MODULES")
        module.extract_json = extract_json


if os.environ.get("FANOUT_INDEFINITE_PATHS") == "jayway":
    _correct_indefinite_paths()

if __name__ == "__main__":
    from localstack.runtime.main import main

    main()

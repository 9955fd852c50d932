import { installPromiseWithResolvers } from '../test/harness/execute-workflow';
installPromiseWithResolvers();
const { StateMachine } = require('aws-local-stepfunctions');
(async () => {
  const def = { StartAt: 'P', States: { P: { Type: 'Pass', Parameters: {
    'parts.$': "States.StringSplit($$.State.EnteredTime, '.Z')",
    'ms.$': "States.StringToJson(States.Format('1{}', States.ArrayGetItem(States.StringSplit($$.State.EnteredTime, '.Z'), 1)))",
    'idx.$': "States.MathAdd(States.ArrayLength(States.ArrayRange(1000, States.StringToJson(States.Format('1{}', States.ArrayGetItem(States.StringSplit($$.State.EnteredTime, '.Z'), 1))), 500)), 100)",
    'neg.$': 'States.MathAdd($.t, -5)', 'id.$': '$$.Execution.Id',
  }, End: true } } };
  const sm = new StateMachine(def);
  const ctx = { Execution: { Id: 'arn:x' }, State: { get EnteredTime() { return '2025-01-01T00:00:07.645Z'; } } };
  console.log(JSON.stringify(await sm.run({ t: 3 }, { context: ctx }).result));
})();

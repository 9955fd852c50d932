import { executeWorkflow } from './execute-workflow';
import { rewriteVariableReferences } from './jsonata-states';

// Variables in the offline harness: a JSONata state's Assign, read later by a JSONPath state as
// `$name` (the quota read and the run's summary do this; see src/workflow/read-vcpu-quota.ts).
describe('harness variables', () => {
  const definition = {
    StartAt: 'Read',
    States: {
      Read: {
        Type: 'Task',
        QueryLanguage: 'JSONata',
        Resource: 'arn:aws:states:::aws-sdk:servicequotas:getServiceQuota',
        Arguments: { QuotaCode: 'L-1' },
        Output: '{% $merge([$states.input, {"cap": $states.result.Value}]) %}',
        Assign: { capRecord: '{% {"cap": $states.result.Value, "before": $capRecord} %}' },
        Next: 'Replace',
      },
      // Replaces the state data, as a Map does: only the variable still has the record.
      Replace: { Type: 'Pass', Result: { other: true }, Next: 'Summary' },
      Summary: {
        Type: 'Pass',
        Parameters: { 'other.$': '$.other', 'capRecord.$': '$capRecord', 'cap.$': '$capRecord.cap' },
        End: true,
      },
    },
  };

  test('Assign writes the variable after the state (with the old value in its own expression); a JSONPath state reads it as $name', async () => {
    const result = await executeWorkflow(definition, { items: [] }, { taskHandlers: { Read: () => ({ Value: 100 }) } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toMatchObject({ other: true, cap: 100, capRecord: { cap: 100 } });
    // The variable did not exist while its own Assign was evaluated.
    expect((result.output as any).capRecord.before).toBeUndefined();
  });

  test('only paths to a variable are rewritten', () => {
    const parameters: any = {
      'a.$': '$capRecord',
      'b.$': '$capRecord.cap',
      'c.$': '$.x',
      'd.$': '$$.Map.Item.Index',
      'e.$': '$',
      'f.$': "States.Format('{}', $.x)",
      'g': '$notAPath',
      'nested': { 'h.$': '$v[0]' },
    };
    rewriteVariableReferences(parameters);
    expect(parameters).toEqual({
      'a.$': '$$.Variables.capRecord',
      'b.$': '$$.Variables.capRecord.cap',
      'c.$': '$.x',
      'd.$': '$$.Map.Item.Index',
      'e.$': '$',
      'f.$': "States.Format('{}', $.x)",
      'g': '$notAPath',
      'nested': { 'h.$': '$$.Variables.v[0]' },
    });
  });

  test('a Distributed Map child has variables of its own (empty)', async () => {
    const mapped = {
      StartAt: 'Read',
      States: {
        Read: { ...definition.States.Read, Next: 'FanOut' },
        FanOut: {
          Type: 'Map',
          ItemsPath: '$.items',
          ItemProcessor: {
            ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
            StartAt: 'Child',
            States: { Child: { Type: 'Pass', QueryLanguage: 'JSONata', Output: '{% {"seen": $exists($capRecord)} %}', End: true } },
          },
          End: true,
        },
      },
    };
    const result = await executeWorkflow(mapped, { items: [1] }, { taskHandlers: { Read: () => ({ Value: 5 }) } });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual([{ seen: false }]);
  });
});

import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { StarterStateNames } from './starter-state-names';

/*
 * The starter's lists of a batch's ids, claims and items, made from the per-record outputs of its
 * Map (`$.outputs`, read with a definite path) by JSONata, not by JSONPath wildcards.
 *
 * Why (issue 27): AWS does not document what a JSONPath wildcard gives when it matches exactly one
 * element. Jayway JsonPath gives a list of one; LocalStack is reported to give the element
 * itself, which for a batch of one record would start the fan-out with an object for
 * its items. JSONata's array constructor `[...]` gives an array for none, one or many matches
 * (the JSONata documentation, "Sequences": a path's sequence flattens into the array), so the
 * lists have one shape whichever way AWS answers the JSONPath question. The records' items are
 * objects (events and messages), which the flattening leaves as they are.
 */

/** Without claims: `{ ids, items }` of every record of the batch. */
export function buildListRecords(scope: Construct): sfn.Pass {
  return sfn.Pass.jsonata(scope, 'ListRecords', {
    stateName: StarterStateNames.LIST_RECORDS,
    comment: 'The batch\'s record ids (the execution\'s name) and items, as lists also for a batch of one.',
    outputs: {
      ids: '{% [$states.input.outputs.id] %}',
      items: '{% [$states.input.outputs.item] %}',
    },
  });
}

/**
 * With claims: `{ ids, claims, items }`: the ids of every record of the batch (the name covers
 * dropped records too), and the claims and items of the records kept (not started before).
 *
 * Two copies of one event or message in the SAME batch (EventBridge or SQS delivering it twice
 * within the batch window) are both looked up before either is claimed and both kept, with the
 * same `{ claim, item }`: `$distinct`, which compares objects by deep equality (the JSONata
 * documentation), runs such a copy once, while records with another claim (another upload of the
 * same content, another message with the same body) are never merged. Every kept claim is
 * recorded after the start (a copy's claim again: the conditional put keeps the first).
 */
export function buildListKeptRecords(scope: Construct): sfn.Pass {
  return sfn.Pass.jsonata(scope, 'ListKeptRecords', {
    stateName: StarterStateNames.LIST_KEPT,
    comment: 'The batch\'s record ids, and the claims and items of the records kept, the copies in this batch run once.',
    outputs: {
      ids: '{% [$states.input.outputs.id] %}',
      claims: '{% [$states.input.outputs.claims] %}',
      items: '{% [$distinct([$states.input.outputs.kept]).item] %}',
    },
  });
}

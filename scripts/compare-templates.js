#!/usr/bin/env node
/*
 * Compares CloudFormation templates synthesized from the same example app in different languages.
 *
 *   node scripts/compare-templates.js [--info] REF_LABEL=REF.template.json LABEL=OTHER.template.json...
 *
 * The first template is the reference (the TypeScript example); every other one must equal it.
 * Prints, for each template, either a one-line summary of what was compared or a diff (one line per
 * differing path, "-" = only in the reference, "+" = only in the other, "~" = different values), and
 * exits 1 if any template differs (2 if a file is missing or the reference looks wrong). With --info
 * it prints the same and always exits 0 (used for notes that must not fail the run).
 *
 * Compared: every section of the template (Resources, Parameters, Conditions, Rules, Outputs,
 * Mappings, ...), each resource whole (Type, Properties, DependsOn, Condition, DeletionPolicy,
 * UpdateReplacePolicy, Metadata), keyed by logical id, so logical ids, types, properties, IAM
 * policy statements (in order) and asset hashes (the image tag in the task definition) must match.
 * A state machine's DefinitionString is compared as the parsed ASL document: its Fn::Join parts are
 * joined, each CloudFormation intrinsic in it (Ref, Fn::GetAtt, ...) is kept as a placeholder that
 * holds the intrinsic's JSON, and the result is parsed, so a difference is reported at its path in
 * the definition (e.g. States.RunItems.MaxConcurrency) instead of as one long string.
 *
 * Ignored, because it legitimately differs between languages or is not made by this library:
 *  - the CDKMetadata resource (AWS::CDK::Metadata) and its CDKMetadataAvailable condition: added
 *    only when the CDK CLI turns version reporting on; its Analytics string encodes the language
 *    and runtime of the app, so it differs by design.
 *  - the BootstrapVersion parameter and the CheckBootstrapVersion rule: boilerplate of the stack
 *    synthesizer that depends only on the aws-cdk-lib version, not on this library (and the
 *    bindings may have to run on a different aws-cdk-lib version than the TypeScript one, see
 *    scripts/test-bindings.sh).
 *  - the aws:asset:path key of a resource's Metadata: the asset's path, which is an absolute path of
 *    the machine when asset staging is off; the asset itself is still compared through its hash.
 * Nothing else is ignored. (aws:cdk:path metadata, present when synthesized by the CDK CLI, is the
 * construct path and is the same in every language, so it is compared.)
 */
'use strict';
const fs = require('fs');

const MAX_LINES = 60; // diff lines printed per template
const STRING_WINDOW = 90; // characters shown around the first difference of two long strings

function main(argv) {
  const info = argv.includes('--info');
  const specs = argv.filter((a) => a !== '--info').map((a) => {
    const i = a.indexOf('=');
    if (i < 1) usage(`expected LABEL=FILE, got '${a}'`);
    return { label: a.slice(0, i), file: a.slice(i + 1) };
  });
  if (specs.length < 2) usage('need a reference template and at least one to compare');

  const loaded = specs.map(({ label, file }) => {
    if (!fs.existsSync(file)) {
      console.error(`compare-templates: ${label}: no template at ${file}`);
      process.exit(2);
    }
    return { label, file, template: normalize(JSON.parse(fs.readFileSync(file, 'utf8'))) };
  });

  const [ref, ...others] = loaded;
  const stats = statsOf(ref.template);
  // Guard against a vacuous pass (e.g. two empty templates): the reference must be the fan-out.
  if (stats.resources === 0 || stats.stateMachines === 0 || stats.states === 0) {
    console.error(`compare-templates: the reference ${ref.label} (${ref.file}) has ${stats.resources} resources, ` +
      `${stats.stateMachines} state machines and ${stats.states} parsed states: not the example stack`);
    process.exit(2);
  }

  let failed = 0;
  for (const other of others) {
    const diffs = [];
    diff(ref.template, other.template, '', diffs);
    if (diffs.length === 0) {
      console.log(`${other.label}: same template as ${ref.label}: ${stats.resources} resources (${stats.types} types), ` +
        `${stats.states} states in the state machine definition, ${stats.statements} IAM policy statements`);
      continue;
    }
    failed++;
    console.log(`${other.label}: ${diffs.length} difference(s) from ${ref.label} ` +
      `(- only in ${ref.label}, + only in ${other.label}, ~ different)`);
    console.log(`  ${ref.label}: ${ref.file}`);
    console.log(`  ${other.label}: ${other.file}`);
    for (const line of diffs.slice(0, MAX_LINES)) console.log(`  ${line}`);
    if (diffs.length > MAX_LINES) console.log(`  ... and ${diffs.length - MAX_LINES} more`);
  }
  process.exit(failed && !info ? 1 : 0);
}

function usage(msg) {
  console.error(`compare-templates: ${msg}\nusage: node scripts/compare-templates.js [--info] REF=ref.template.json NAME=other.template.json...`);
  process.exit(2);
}

/** Removes what is ignored (see the header) and parses state machine definitions. */
function normalize(template) {
  const t = JSON.parse(JSON.stringify(template));
  for (const [id, resource] of Object.entries(t.Resources ?? {})) {
    if (resource.Type === 'AWS::CDK::Metadata') {
      delete t.Resources[id];
      continue;
    }
    if (resource.Metadata) {
      delete resource.Metadata['aws:asset:path'];
      if (Object.keys(resource.Metadata).length === 0) delete resource.Metadata;
    }
    if (resource.Type === 'AWS::StepFunctions::StateMachine' && resource.Properties?.DefinitionString !== undefined) {
      const parsed = parseDefinition(resource.Properties.DefinitionString);
      if (parsed !== undefined) {
        delete resource.Properties.DefinitionString;
        resource.Properties['DefinitionString(parsed)'] = parsed;
      }
    }
  }
  if (t.Conditions) delete t.Conditions.CDKMetadataAvailable;
  if (t.Parameters) delete t.Parameters.BootstrapVersion;
  if (t.Rules) delete t.Rules.CheckBootstrapVersion;
  for (const section of ['Conditions', 'Parameters', 'Rules', 'Outputs', 'Mappings']) {
    if (t[section] && Object.keys(t[section]).length === 0) delete t[section];
  }
  return t;
}

/**
 * A DefinitionString is a string or {"Fn::Join": ["", [parts...]]} whose parts are strings and
 * intrinsics. Joins it with each intrinsic as the placeholder "{{<intrinsic JSON>}}" and parses the
 * JSON. Returns undefined if that is not possible (then the raw value is compared).
 */
function parseDefinition(value) {
  let text;
  if (typeof value === 'string') {
    text = value;
  } else if (value && Array.isArray(value['Fn::Join']) && value['Fn::Join'][0] === '' && Array.isArray(value['Fn::Join'][1])) {
    // Intrinsics sit inside JSON string literals (e.g. "arn:" + {Ref: AWS::Partition} + ":states:..."),
    // so each placeholder is inserted JSON-escaped.
    text = value['Fn::Join'][1]
      .map((part) => (typeof part === 'string' ? part : JSON.stringify(`{{${JSON.stringify(part)}}}`).slice(1, -1)))
      .join('');
  } else {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function statsOf(t) {
  const resources = Object.values(t.Resources ?? {});
  const stats = {
    resources: resources.length,
    types: new Set(resources.map((r) => r.Type)).size,
    stateMachines: 0,
    states: 0,
    statements: 0,
  };
  const countStates = (asl) => {
    for (const state of Object.values(asl?.States ?? {})) {
      stats.states++;
      if (state.ItemProcessor) countStates(state.ItemProcessor);
      if (state.Iterator) countStates(state.Iterator);
      for (const branch of state.Branches ?? []) countStates(branch);
    }
  };
  const countStatements = (doc) => {
    if (doc && doc.Statement) stats.statements += Array.isArray(doc.Statement) ? doc.Statement.length : 1;
  };
  for (const r of resources) {
    const p = r.Properties ?? {};
    if (r.Type === 'AWS::StepFunctions::StateMachine') {
      stats.stateMachines++;
      countStates(p['DefinitionString(parsed)']);
    }
    countStatements(p.PolicyDocument);
    countStatements(p.AssumeRolePolicyDocument);
    for (const policy of p.Policies ?? []) countStatements(policy.PolicyDocument);
  }
  return stats;
}

function diff(a, b, path, out) {
  if (a === b) return;
  const kindA = kindOf(a);
  const kindB = kindOf(b);
  if (kindA === 'object' && kindB === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const p = join(path, k);
      if (!(k in b)) out.push(`- ${p}: ${show(a[k])}`);
      else if (!(k in a)) out.push(`+ ${p}: ${show(b[k])}`);
      else diff(a[k], b[k], p, out);
    }
    return;
  }
  if (kindA === 'array' && kindB === 'array') {
    const n = Math.max(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const p = `${path}[${i}]`;
      if (i >= b.length) out.push(`- ${p}: ${show(a[i])}`);
      else if (i >= a.length) out.push(`+ ${p}: ${show(b[i])}`);
      else diff(a[i], b[i], p, out);
    }
    return;
  }
  if (kindA === 'string' && kindB === 'string') {
    out.push(`~ ${path}: ${stringDiff(a, b)}`);
    return;
  }
  out.push(`~ ${path}: ${show(a)} -> ${show(b)}`);
}

function kindOf(v) {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

function join(path, key) {
  return path === '' ? key : /^[\w:()-]+$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function show(v) {
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}... (${s.length} chars)` : s;
}

/** Two strings, cut to a window around the first character where they differ. */
function stringDiff(a, b) {
  if (a.length <= 2 * STRING_WINDOW && b.length <= 2 * STRING_WINDOW) return `${JSON.stringify(a)} -> ${JSON.stringify(b)}`;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - STRING_WINDOW / 3);
  const cut = (s) => `${from > 0 ? '...' : ''}${JSON.stringify(s.slice(from, i + STRING_WINDOW))}${i + STRING_WINDOW < s.length ? '...' : ''}`;
  return `first difference at character ${i}: ${cut(a)} -> ${cut(b)}`;
}

main(process.argv.slice(2));

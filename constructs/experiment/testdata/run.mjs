// Runs the experiment state machine's ASL with aws-local-stepfunctions (Node 22), answering its AWS
// SDK tasks from the scenario's fixtures and recording what the machine asked for.
// stdin: {"definition", "scenarios": [{"input", "metrics": {"<Phase>": {"<probe>": number | null | "error" | [per call]}},
//         "fail": {"<state>": "<error name>"}, "failFirst": {"<state>": n (only the first n calls fail)}, "abortAfterPut": bool, "waits": {"<state>": ms}}]}
// stdout: one result per scenario: {"executions": [{"arn", "status", "error", "cause", "output"}], "puts": [...], "queries": [...]}
// (one Node process for every scenario: starting Node costs seconds on a loaded machine)
import { StateMachine } from 'aws-local-stepfunctions';

const chunks = [];
for await (const c of process.stdin) chunks.push(c);
const all = JSON.parse(Buffer.concat(chunks).toString());
const machine = new StateMachine(all.definition, { validationOptions: { checkArn: true, checkPaths: true } });
const results = [];
for (const sc of all.scenarios) results.push(await runScenario(sc));
process.stdout.write(JSON.stringify(results));

async function runScenario(sc) {

const machineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:ChaosLabExperiment';
const executionArn = (name) => `arn:aws:states:us-east-1:123456789012:execution:ChaosLabExperiment:${name}`;
const puts = [];
const queries = [];
const inputs = {}; // execution ARN -> input, for DescribeExecution
const calls = {};
const fail = sc.fail ?? {};

const failFirst = sc.failFirst ?? {}; // state -> how many calls fail before the rest succeed
const failed = {};
function failWith(state) {
  if (!fail[state]) return;
  if (failFirst[state] !== undefined && (failed[state] = (failed[state] ?? 0) + 1) > failFirst[state]) return;
  const err = new Error(`fixture: ${state} fails`);
  err.name = fail[state];
  throw err;
}

function metricHandler(phase) {
  return async (params) => {
    failWith(`${phase}.Query`);
    const key = JSON.stringify(params.MetricDataQueries);
    const probes = [...(sc.input.steadyState?.probes ?? []), sc.input.guard?.probe].filter(Boolean);
    const probe = probes.find((p) => JSON.stringify(p.metricDataQueries) === key);
    if (!probe) throw new Error(`no probe has the queries ${key}`);
    if (!params.StartTime || !params.EndTime || params.EndTime < params.StartTime) {
      throw new Error(`bad window ${params.StartTime}..${params.EndTime}`);
    }
    queries.push({ phase, probe: probe.name, start: params.StartTime, end: params.EndTime, scanBy: params.ScanBy });
    let v = sc.metrics?.[phase]?.[probe.name];
    if (Array.isArray(v)) {
      const n = (calls[phase + probe.name] = (calls[phase + probe.name] ?? 0) + 1);
      v = v[Math.min(n, v.length) - 1];
    }
    if (v === 'error') {
      const err = new Error('fixture: GetMetricData fails');
      err.name = 'CloudWatch.InternalServiceException';
      throw err;
    }
    const returned = params.MetricDataQueries.find((q) => q.ReturnData !== false);
    return {
      MetricDataResults: [{ Id: returned.Id, Label: returned.Id, StatusCode: 'Complete',
        Timestamps: v === null || v === undefined ? [] : [params.StartTime],
        Values: v === null || v === undefined ? [] : [v] }],
      Messages: [],
    };
  };
}

let abortCurrent = null;
const handlers = {
  'Before.Query': metricHandler('Before'),
  'After.Query': metricHandler('After'),
  'Recovery.Query': metricHandler('Recovery'),
  'Guard.Query': metricHandler('Guard'),
  'Action.Put': async (params) => {
    failWith('Action.Put');
    puts.push({ state: 'Action.Put', name: params.Name, type: params.Type, overwrite: params.Overwrite, value: JSON.parse(params.Value) });
    if (sc.abortAfterPut && abortCurrent) setTimeout(abortCurrent, 50);
    return { Version: puts.length, Tier: 'Standard' };
  },
  'Rollback.Put': async (params) => {
    failWith('Rollback.Put');
    puts.push({ state: 'Rollback.Put', name: params.Name, type: params.Type, overwrite: params.Overwrite, value: JSON.parse(params.Value) });
    return { Version: puts.length, Tier: 'Standard' };
  },
  DescribeAborted: async (params) => {
    failWith('DescribeAborted');
    const input = inputs[params.ExecutionArn];
    if (input === undefined) {
      const err = new Error(`Execution Does Not Exist: '${params.ExecutionArn}'`);
      err.name = 'Sfn.ExecutionDoesNotExistException';
      throw err;
    }
    return { ExecutionArn: params.ExecutionArn, StateMachineArn: machineArn, Status: 'ABORTED', Input: JSON.stringify(input) };
  },
};

const waits = { BeforeObserve: 0, RecoveryObserve: 0, 'Action.PauseBefore': 0, 'Action.Onset': 0, 'Guard.Wait': 0,
  'Rollback.PauseBefore': 0, 'Rollback.Onset': 0, 'Rollback.Pause': 0, ...(sc.waits ?? {}) };
const retries = Object.fromEntries(Object.keys(handlers).map((k) => [k, 0]));

// $$.State.EnteredTime is not provided by the interpreter: a getter gives the time the path is read,
// which is while the state is being entered.
const state = { get EnteredTime() { return new Date().toISOString(); } };

async function execute(name, input) {
  const arn = executionArn(name);
  inputs[arn] = input;
  const run = machine.run(input, {
    overrides: { taskResourceLocalHandlers: handlers, waitTimeOverrides: waits, retryIntervalOverrides: retries },
    context: { Execution: { Id: arn, Name: name }, StateMachine: { Id: machineArn }, State: state },
  });
  abortCurrent = run.abort;
  const rec = { arn, status: 'SUCCEEDED', error: null, cause: null, output: null };
  try {
    rec.output = await run.result;
  } catch (e) {
    if (e.name === 'ExecutionAbortedError') {
      rec.status = 'ABORTED';
    } else {
      rec.status = 'FAILED';
      rec.error = e.cause?.name ?? e.name;
      rec.cause = e.cause?.message ?? e.message;
    }
  }
  abortCurrent = null;
  return rec;
}

const executions = [];
const first = await execute('run-1', sc.input);
executions.push(first);
if (first.status === 'ABORTED' || sc.rollbackOf) {
  // What the EventBridge rule does on ABORTED (and TIMED_OUT, or FAILED outside the machine's own Fail
  // states: lifecycle_test.go runs the real rule on local/sfn): start the machine with the execution's ARN.
  executions.push(await execute('rollback-1', { rollbackOf: sc.rollbackOf ?? first.arn }));
}
return { executions, puts, queries };
}

// Host for aws-local-stepfunctions: one long-lived Node ≥ 22 process per local cloud.
//
// It speaks newline-delimited JSON on stdio with the Go package local/sfn (see protocol.go there):
//   in:  {op:"validate", id, definition}
//        {op:"start", arn, definition, input, context}
//        {op:"stop", arn}
//        {op:"taskResult", id, output} | {op:"taskResult", id, error, cause, fatal}
//   out: {type:"ready"}
//        {type:"validated", id, error?}
//        {type:"event", arn, event}          the library's event log, plus Task* events of ours
//        {type:"task", id, arn, state, resource, parameters}
//        {type:"end", arn, status, output?, error?, cause?}
//        {type:"log", level, msg}
//
// Every Task state (including those nested in Map and Parallel) gets a local handler that sends the
// task's resolved Parameters to Go and waits for the answer, so the definition runs unchanged.
//
// argv[2]: the directory of the aws-local-stepfunctions package.
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const libDir = process.argv[2];
if (!libDir) {
  process.stderr.write('usage: node host.mjs <aws-local-stepfunctions dir>\n');
  process.exit(2);
}
const { StateMachine, ExecutionError, ExecutionTimeoutError, ExecutionAbortedError } = await import(
  pathToFileURL(join(libDir, 'build', 'main.node.esm.js')).href
);

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

function log(level, msg) {
  send({ type: 'log', level, msg });
}

// taskStates walks a definition and returns every Task state by name, nested ones included.
// State names are unique across a whole state machine in AWS, so a name identifies a state.
function taskStates(definition, out = new Map()) {
  for (const [name, state] of Object.entries(definition?.States ?? {})) {
    if (state.Type === 'Task') out.set(name, state.Resource);
    if (state.Type === 'Map') taskStates(state.ItemProcessor ?? state.Iterator, out);
    if (state.Type === 'Parallel') for (const branch of state.Branches ?? []) taskStates(branch, out);
  }
  return out;
}

// withStateNames rewrites $$.State.Name, which the library's Context Object cannot know, into the
// literal name of the state it appears in (static: within a state it can only mean that state).
function withStateNames(definition) {
  const literal = (name) => `'${name.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  const rewrite = (value, name) => {
    if (Array.isArray(value)) return value.map((v) => rewrite(v, name));
    if (value === null || typeof value !== 'object') return value;
    const out = {};
    for (const [key, v] of Object.entries(value)) {
      if (key.endsWith('.$') && v === '$$.State.Name') out[key.slice(0, -2)] = name;
      else if (key.endsWith('.$') && typeof v === 'string' && v.startsWith('States.'))
        out[key] = v.replaceAll('$$.State.Name', literal(name));
      else out[key] = rewrite(v, name);
    }
    return out;
  };
  const walk = (machine) => {
    if (!machine?.States) return machine;
    const states = {};
    for (const [name, state] of Object.entries(machine.States)) {
      const s = { ...state };
      for (const field of ['Parameters', 'ResultSelector', 'ItemSelector']) {
        if (s[field] !== undefined) s[field] = rewrite(s[field], name);
      }
      if (s.ItemProcessor) s.ItemProcessor = walk(s.ItemProcessor);
      if (s.Iterator) s.Iterator = walk(s.Iterator);
      if (s.Branches) s.Branches = s.Branches.map(walk);
      states[name] = s;
    }
    return { ...machine, States: states };
  };
  return walk(definition);
}

let nextTaskId = 1;
const pendingTasks = new Map(); // id -> {resolve, reject}
const executions = new Map(); // arn -> {execution, aborted}

// nextTurn lets the event log consumer flush first, so a task request follows its StateEntered event.
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function taskHandler(arn, state, resource) {
  return async (parameters) => {
    await nextTurn();
    const id = String(nextTaskId++);
    const ts = () => Date.now();
    send({ type: 'event', arn, event: { type: 'TaskScheduled', timestamp: ts(), stateName: state, resource, parameters } });
    send({ type: 'event', arn, event: { type: 'TaskStarted', timestamp: ts(), stateName: state, resource } });
    const answer = await new Promise((resolve, reject) => {
      pendingTasks.set(id, { resolve, reject });
      send({ type: 'task', id, arn, state, resource, parameters: parameters ?? null });
    });
    if (answer.error !== undefined && answer.error !== null) {
      send({
        type: 'event',
        arn,
        event: { type: 'TaskFailed', timestamp: ts(), stateName: state, resource, Error: answer.error, Cause: answer.cause ?? '' },
      });
      const err = new Error(answer.cause ?? '');
      err.name = answer.error;
      if (answer.fatal) {
        // Not retryable, not catchable: the execution fails, as an invalid integration would in AWS.
        Object.defineProperty(err, 'isRetryable', { value: false });
        Object.defineProperty(err, 'isCatchable', { value: false });
      }
      throw err;
    }
    const output = answer.output ?? null;
    send({ type: 'event', arn, event: { type: 'TaskSucceeded', timestamp: ts(), stateName: state, resource, output } });
    return output;
  };
}

// contextObject builds the Context Object ($$). State.EnteredTime is evaluated when read: Parameters
// and InputPath are evaluated synchronously as a state is entered, so "now" is the entered time there.
function contextObject(ctx) {
  const c = { ...(ctx ?? {}) };
  c.State = {
    get EnteredTime() {
      return new Date().toISOString();
    },
    RetryCount: 0,
  };
  return c;
}

// The validator compiles its JSON schemas on every call (about 0.5 s here), so a definition seen
// before (a redeploy) is answered from this cache.
const validated = new Map(); // definition text -> problem ('' when valid)

function validate(msg) {
  const key = JSON.stringify(msg.definition);
  if (!validated.has(key)) {
    let problem = '';
    try {
      // The validator annotates what it is given; keep msg.definition as it came.
      new StateMachine(structuredClone(msg.definition), { validationOptions: { checkPaths: true, checkArn: true } });
    } catch (err) {
      problem = String(err?.message ?? err);
    }
    validated.set(key, problem);
  }
  const problem = validated.get(key);
  send(problem ? { type: 'validated', id: msg.id, error: problem } : { type: 'validated', id: msg.id });
}

async function start(msg) {
  const { arn, definition } = msg;
  if (executions.has(arn)) {
    log('warn', `execution ${arn} is already running`);
    return;
  }
  let machine;
  try {
    machine = new StateMachine(withStateNames(definition), { validationOptions: { noValidate: true } });
  } catch (err) {
    send({ type: 'end', arn, status: 'FAILED', error: 'States.Runtime', cause: String(err?.message ?? err) });
    return;
  }
  const handlers = {};
  for (const [state, resource] of taskStates(definition)) handlers[state] = taskHandler(arn, state, resource);
  const execution = machine.run(msg.input ?? null, {
    overrides: { taskResourceLocalHandlers: handlers },
    context: contextObject(msg.context),
  });
  const record = { execution, aborted: false };
  executions.set(arn, record);

  const terminal = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimeout']);
  const logged = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'ExecutionStarted' || terminal.has(event.type)) continue; // Go writes these
      if (event.type === 'StateFailed' && event.state?.type === 'Task') {
        event.resource = taskStates(definition).get(event.state.name);
      }
      send({ type: 'event', arn, event });
    }
  })();

  let end;
  try {
    const output = await execution.result;
    end = { status: 'SUCCEEDED', output: output ?? null };
  } catch (err) {
    if (err instanceof ExecutionAbortedError || record.aborted) {
      end = { status: 'ABORTED' };
    } else if (err instanceof ExecutionTimeoutError) {
      end = { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'The execution timed out (TimeoutSeconds).' };
    } else if (err instanceof ExecutionError) {
      const cause = err.cause ?? {};
      const name = cause.name === 'FailStateError' ? undefined : cause.name;
      end = { status: 'FAILED', error: name ?? null, cause: cause.message ?? null };
    } else {
      end = { status: 'FAILED', error: 'States.Runtime', cause: String(err?.message ?? err) };
    }
  }
  // The log closes on every terminal event; bound the wait so a stuck consumer cannot hold the end.
  await Promise.race([logged, new Promise((resolve) => setTimeout(resolve, 1000))]);
  executions.delete(arn);
  send({ type: 'end', arn, ...end });
}

function stop(msg) {
  const record = executions.get(msg.arn);
  if (!record) return;
  record.aborted = true;
  record.execution.abort();
}

function taskResult(msg) {
  const pending = pendingTasks.get(msg.id);
  if (!pending) return;
  pendingTasks.delete(msg.id);
  pending.resolve(msg);
}

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  if (!line.trim()) return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (err) {
    log('error', `bad command line: ${err.message}`);
    return;
  }
  switch (msg.op) {
    case 'validate':
      validate(msg);
      break;
    case 'start':
      start(msg).catch((err) => log('error', `start ${msg.arn}: ${err?.stack ?? err}`));
      break;
    case 'stop':
      stop(msg);
      break;
    case 'taskResult':
      taskResult(msg);
      break;
    default:
      log('error', `unknown op ${JSON.stringify(msg.op)}`);
  }
});
// Go closes stdin to stop us: abort what runs and leave.
lines.on('close', () => {
  for (const record of executions.values()) record.execution.abort();
  process.exit(0);
});
send({ type: 'ready' });

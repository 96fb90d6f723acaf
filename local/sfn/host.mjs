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
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const libDir = process.argv[2];
if (!libDir) {
  process.stderr.write('usage: node host.mjs <aws-local-stepfunctions dir>\n');
  process.exit(2);
}
// The loader names a module by its real path (a node_modules behind a symlink is resolved), so the
// library's URL is made from it too, or the load hook below would never recognize it.
const libURL = pathToFileURL(realpathSync(join(libDir, 'build', 'main.node.esm.js'))).href;
// The parser the library's validator (asl-validator) checks paths and intrinsic functions with.
const pathsURL = pathToFileURL(realpathSync(join(dirname(
  createRequire(createRequire(libURL).resolve('asl-validator')).resolve('asl-path-validator')), 'generated', 'aslPaths.js'))).href;

// libraryFixes mend the library where it runs a definition otherwise than AWS, as it is loaded
// (package.json pins 3.0.0; other text fails the host's start, saying so); each is a test in
// aws_rules_test.go:
//   - intrinsic functions: the library took a literal string's escapes out by deleting every
//     backslash of every string result, so States.JsonToString of a value holding a quote or a
//     newline was not JSON (the lab's machine writes the fault's parameter and the journal with it)
//     and States.Format lost a path's backslashes. Now a literal's escapes (\' \{ \} \\) are read
//     where the literal is, results are left alone, and States.Format reads its template's escapes
//     as it fills it;
//   - States.JsonMerge returns a new object (it merged into its first argument, so in a Map the
//     next item saw the last one's fields);
//   - a Pass state's Result of false, 0, "" or null is its result (it was ignored);
//   - $$.Execution.Input and StartTime are the execution's inside Map and Parallel too (they were
//     the iteration's input and start); the host puts the execution's input in the context;
//   - a Choice rule is first put to awsChoice (below), which decides the rules the library decides
//     otherwise than AWS;
//   - States.Hash is node:crypto's (the library's own digests were wrong from 56 bytes on),
//     States.Base64Encode/Decode read and write UTF-8 (non-Latin-1 text failed), States.StringSplit
//     splits at each of its delimiting characters (AWS's example: "This.is+a,test=string" by
//     ".+,=" is five strings), and States.MathAdd rounds non-integers to the nearest integer, as
//     AWS's intrinsic functions page says;
//   - a Fail state's ErrorPath and CausePath may be intrinsic functions (States.Format(...)), as
//     AWS's Fail state docs allow.
//   - an intrinsic function's arguments are split by chaoslabSplitArguments (below): a quoted
//     literal is one argument whatever it holds;
//   - $$.State is the state's as it runs: its Name, its EnteredTime and its RetryCount
//     (chaoslabEnterState, below; the library's Context Object had no State);
//   - its timers wait as long as they are asked to (chaoslabLongTimers, below): a Wait of more
//     than 24.8 days, by Seconds, SecondsPath or a timestamp, ended at once.
//   - States.MathRandom draws from its start (inclusive) to its end (exclusive), as AWS's intrinsic
//     functions page says (the library could draw the end), and it, States.ArrayPartition and
//     States.ArrayRange round a non-integer number argument to the nearest integer, as the same
//     page says of each (the library failed the execution with States.Runtime); a chunk size or a
//     step that rounds to 0 still fails it;
//   - a state's input after Parameters, and its output, of more than 256 KiB fail the execution
//     with States.DataLimitExceeded (chaoslabDataLimit, below; the library had no limit).
const libraryFixes = [
  [
    String.raw`    const parsedArgs = parseArguments(input, context, ...args);
    validateArguments(this.funcDefinition, ...parsedArgs);
    let result = this.execute(...parsedArgs);
    if (typeof result === "string") {
      result = result.replaceAll("\\", "");
    }
    return result;`,
    String.raw`    const template = this.funcDefinition.name === "States.Format";
    const parsedArgs = parseArguments(input, context, ...args).map((v, i) =>
      args[i][0] === "'" && !(template && i === 0) ? v.replace(/\\(.)/gs, "$1") : v);
    validateArguments(this.funcDefinition, ...parsedArgs);
    return this.execute(...parsedArgs);`,
  ],
  [
    String.raw`    const placeholdersNumber = templateStr.match(/\{\}/g)?.length ?? 0;`,
    String.raw`    const placeholdersNumber = (templateStr.match(/\\.|\{\}/gs) ?? []).filter((m) => m === "{}").length;`,
  ],
  [
    String.raw`    return templateStr.replace(/\{\}/g, () => placeholderValues[i++]);`,
    String.raw`    return templateStr.replace(/\\(.)|\{\}/gs, (m, escaped) => escaped !== undefined ? escaped : String(placeholderValues[i++]));`,
  ],
  [`    return Object.assign(obj1, obj2);`, `    return Object.assign({}, obj1, obj2);`],
  [`    if (this.stateDefinition.Result) {`, `    if (this.stateDefinition.Result !== undefined) {`],
  [
    `      Execution: {
        ...options.runOptions?.context?.Execution,
        Input: input,
        StartTime: (/* @__PURE__ */ new Date()).toISOString()
      }`,
    `      Execution: {
        Input: input,
        StartTime: (/* @__PURE__ */ new Date()).toISOString(),
        ...options.runOptions?.context?.Execution
      }`,
  ],
  [
    `  testChoiceRule(choiceRule, input, context) {
    if ("And" in choiceRule) {`,
    `  testChoiceRule(choiceRule, input, context) {
    const decided = globalThis.chaoslabAWSChoice(choiceRule, (path, opts) => jsonPathQuery(path, input, context, opts), isRFC3339Timestamp);
    if (decided !== undefined) return decided;
    if ("And" in choiceRule) {`,
  ],
  [
    `    switch (algorithm) {
      case "MD5":
        return md5.getDigest(str);
      case "SHA-1":
        return sha1.getDigest(str);
      case "SHA-256":
        return sha256.getDigest(str);
      case "SHA-384":
        return sha384.getDigest(str);
      case "SHA-512":
        return sha512.getDigest(str);
    }`,
    `    return globalThis.chaoslabHash(algorithm, str);`,
  ],
  [`    return btoa(str);`, `    return Buffer.from(str, "utf8").toString("base64");`],
  [`    return atob(str);`, `    return Buffer.from(str, "base64").toString("utf8");`],
  [
    `    return str.split(separator);`,
    String.raw`    return separator === "" ? str.split(separator) : str.split(new RegExp("[" + separator.replace(/[\\\]^-]/g, "\\$&") + "]"));`,
  ],
  [`    return num1 + num2;`, `    return Math.round(num1) + Math.round(num2);`],
  [
    `      name: "States.MathRandom",
      minArgs: 2,
      arguments: [
        {
          allowedTypes: ["number"],
          constraints: ["INTEGER"]
        },
        {
          allowedTypes: ["number"],
          constraints: ["INTEGER"]
        },`,
    `      name: "States.MathRandom",
      minArgs: 2,
      arguments: [
        {
          allowedTypes: ["number"]
        },
        {
          allowedTypes: ["number"]
        },`,
  ],
  [`    return getRandomNumber(min, max, rng);`, `    return getRandomNumber(Math.round(min), Math.round(max) - 1, rng);`],
  [
    `          allowedTypes: ["number"],
          constraints: ["POSITIVE_INTEGER"]`,
    `          allowedTypes: ["number"]`,
  ],
  [
    `    for (let i = 0; i < array.length; i += chunkSize) {`,
    `    chunkSize = Math.round(chunkSize);
    if (chunkSize <= 0) {
      throw new StatesRuntimeError(\`Intrinsic function \${this.funcDefinition.name} expected argument 2 to be a positive integer (rounded: \${chunkSize})\`);
    }
    for (let i = 0; i < array.length; i += chunkSize) {`,
  ],
  [
    `      name: "States.ArrayRange",
      exactArgs: 3,
      arguments: [
        {
          allowedTypes: ["number"],
          constraints: ["INTEGER"]
        },
        {
          allowedTypes: ["number"],
          constraints: ["INTEGER"]
        },
        {
          allowedTypes: ["number"],
          constraints: ["POSITIVE_INTEGER", "NEGATIVE_INTEGER"]
        }`,
    `      name: "States.ArrayRange",
      exactArgs: 3,
      arguments: [
        {
          allowedTypes: ["number"]
        },
        {
          allowedTypes: ["number"]
        },
        {
          allowedTypes: ["number"]
        }`,
  ],
  [
    `    const slots = (end - start) / step;`,
    `    [start, end, step] = [start, end, step].map(Math.round);
    if (step === 0) {
      throw new StatesRuntimeError(\`Intrinsic function \${this.funcDefinition.name} expected argument 3 to be a non-zero integer (rounded: 0)\`);
    }
    const slots = (end - start) / step;`,
  ],
  [
    `      const processedInput = this.processInput(input, context);
      const {`,
    `      const processedInput = this.processInput(input, context);
      globalThis.chaoslabDataLimit(processedInput, \`The state '\${this.stateName}' has an input\`);
      const {`,
  ],
  [
    `      const processedResult = this.processResult(currResult, rawInput, context);`,
    `      const processedResult = this.processResult(currResult, rawInput, context);
      globalThis.chaoslabDataLimit(processedResult, \`The state '\${this.stateName}' returned a result\`);`,
  ],
  [
    `      error = jsonPathQuery(state.ErrorPath, input, context, {`,
    `      error = state.ErrorPath.startsWith("States.") ? evaluateIntrinsicFunction(state.ErrorPath, input, context) : jsonPathQuery(state.ErrorPath, input, context, {`,
  ],
  [
    `      cause = jsonPathQuery(state.CausePath, input, context, {`,
    `      cause = state.CausePath.startsWith("States.") ? evaluateIntrinsicFunction(state.CausePath, input, context) : jsonPathQuery(state.CausePath, input, context, {`,
  ],
  [
    String.raw`  const splitArgs = [];
  let partialArg = "";
  let parensCount = 0;
  let apostropheCount = 0;
  for (let i = 0; i < funcArgs.length; i++) {
    const char = funcArgs[i];
    if (char === "(") {
      parensCount++;
    } else if (char === ")") {
      parensCount--;
    }
    if (char === "'" && partialArg[partialArg.length - 1] !== "\\") {
      if (apostropheCount === 1) {
        apostropheCount--;
      } else {
        apostropheCount++;
      }
    }
    if (char === "," && parensCount === 0 && apostropheCount === 0 || i === funcArgs.length - 1) {
      if (i === funcArgs.length - 1) partialArg += char;
      partialArg = partialArg.trim();
      if (partialArg.startsWith("States")) {
        const evaluatedNestedFunction = evaluateIntrinsicFunction(partialArg, input, context);
        splitArgs.push(JSON.stringify(evaluatedNestedFunction));
      } else {
        splitArgs.push(partialArg);
      }
      partialArg = "";
    } else {
      partialArg += char;
    }
  }
`,
    `  const splitArgs = globalThis.chaoslabSplitArguments(funcArgs).map((arg) =>
    arg.startsWith("States") ? JSON.stringify(evaluateIntrinsicFunction(arg, input, context)) : arg);
`,
  ],
  [
    `    const rawInput = cloneJSON(input);
    try {
      const processedInput = this.processInput(input, context);`,
    `    const rawInput = cloneJSON(input);
    globalThis.chaoslabEnterState(context, this.stateName, this.retrierAttempts);
    try {
      const processedInput = this.processInput(input, context);`,
  ],
  [
    `// src/util/index.ts
var isBrowserEnvironment =`,
    `// src/util/index.ts
var { setTimeout, clearTimeout } = globalThis.chaoslabLongTimers;
var isBrowserEnvironment =`,
  ],
];

// pathParserFixes mend the parser the library's validator reads paths and intrinsic functions
// with: its escaped character was any but a backslash or an n ([^\\n], meant [^\n]), so a
// literal's \\, which AWS's intrinsic functions page lists among the escapes, failed the
// definition; an escaped n stays refused (AWS fails an escape other than \' \{ \} \\).
const pathParserFixes = [[String.raw`var peg$r6 = /^[^\\n]/;`, String.raw`var peg$r6 = /^[^n]/;`]];

// chaoslabSplitArguments splits an intrinsic function's arguments (the text between its
// parentheses) at its top-level commas. A quoted literal is one argument whatever it holds: the
// library counted a literal's parentheses, so 'smile :)' ended its function early, and took the
// quote after an escaped backslash ('a\\') for an escaped quote.
globalThis.chaoslabSplitArguments = (text) => {
  const args = [];
  let from = 0;
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '\\') i++; // an escape: the next character is the literal's
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      args.push(text.slice(from, i).trim());
      from = i + 1;
    }
  }
  const last = text.slice(from).trim();
  if (last !== '' || args.length > 0) args.push(last);
  return args;
};

// chaoslabEnterState sets $$.State as a state, or a retry of it, starts: its name, when it was
// entered (a retry keeps it: AWS enters a state once and retries within it) and RetryCount, how
// many times its retriers have retried it (retrierAttempts counts each retrier's). Each machine
// and each Map iteration or Parallel branch has a context object of its own, so a state sets its
// own machine's only.
globalThis.chaoslabEnterState = (context, name, retrierAttempts) => {
  const retries = retrierAttempts.reduce((sum, n) => sum + n, 0);
  const entered = retries > 0 && context.State?.Name === name ? context.State.EnteredTime : new Date().toISOString();
  context.State = { Name: name, EnteredTime: entered, RetryCount: retries };
};

// chaoslabLongTimers are the library's setTimeout and clearTimeout: Node fires a timer of more
// than 2^31-1 ms (24.8 days) at once, where AWS waits the whole time (a Wait, a retry's interval,
// a Task's or the machine's TimeoutSeconds), so a longer one is armed again, a part at a time,
// until its end.
const LONGEST_NODE_TIMER = 2 ** 31 - 1;
globalThis.chaoslabLongTimers = {
  setTimeout(fn, ms, ...args) {
    const end = Date.now() + Math.max(0, Number(ms) || 0);
    const handle = { timer: undefined };
    const arm = () => {
      const left = end - Date.now();
      handle.timer = left > LONGEST_NODE_TIMER
        ? globalThis.setTimeout(arm, LONGEST_NODE_TIMER)
        : globalThis.setTimeout(fn, Math.max(0, left), ...args);
    };
    arm();
    return handle;
  },
  clearTimeout(handle) {
    if (handle) globalThis.clearTimeout(handle.timer);
  },
};

// MAX_PAYLOAD_BYTES is AWS's quota on a task's, a state's or an execution's input or output:
// 256 KiB of data as a UTF-8 encoded string (Step Functions service quotas).
const MAX_PAYLOAD_BYTES = 256 * 1024;

// dataLimitExceeded is the error AWS's error handling page names for a payload over the quota:
// "a terminal error that cannot be caught by the States.ALL error type", nor retried.
function dataLimitExceeded(cause) {
  const err = new Error(cause);
  err.name = 'States.DataLimitExceeded';
  Object.defineProperty(err, 'isRetryable', { value: false });
  Object.defineProperty(err, 'isCatchable', { value: false });
  return err;
}

// chaoslabDataLimit throws States.DataLimitExceeded when value's JSON text is over the quota in
// UTF-8 bytes; what names the payload ("The state 'X' returned a result").
globalThis.chaoslabDataLimit = (value, what) => {
  const size = Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
  if (size > MAX_PAYLOAD_BYTES) {
    throw dataLimitExceeded(`${what} with a size exceeding the maximum number of bytes service limit (${size} bytes; the limit is ${MAX_PAYLOAD_BYTES})`);
  }
};

// chaoslabHash is States.Hash: the hex digest of str's UTF-8 by algorithm (MD5, SHA-1, SHA-256,
// SHA-384, SHA-512: the library checked the name before).
globalThis.chaoslabHash = (algorithm, str) =>
  createHash(algorithm.replace('-', '').toLowerCase()).update(str, 'utf8').digest('hex');

// awsChoice decides a choice rule where the library decides it otherwise than AWS, and returns
// undefined for the library to decide the rest (And, Or and Not come back here for each rule):
//   - the type tests (IsPresent, IsNull, IsBoolean, IsNumeric, IsString, IsTimestamp) with false
//     hold when the test fails (the library's never held);
//   - a comparison with a value of another type does not match: "Step Functions doesn't attempt
//     to match a numeric field to a string value" (the library compared "10" < 20 as numbers,
//     matched the number 0 as a timestamp, and failed the execution on StringMatches of a number);
//   - StringMatches' only wildcard is *, and \* and \\ are a literal * and \ (the library also
//     read ? as one).
// query(path, opts) is the library's JSONPath query of the rule's input and context; isTimestamp
// the library's own RFC 3339 check (uppercase T and Z, each field within its range), as AWS's
// Timestamp rules and IsTimestamp read a timestamp.
function awsChoice(rule, query, isTimestamp) {
  if (typeof rule?.Variable !== 'string') return undefined;
  const typeTests = {
    IsNull: (v) => v === null,
    IsBoolean: (v) => typeof v === 'boolean',
    IsNumeric: (v) => typeof v === 'number',
    IsString: (v) => typeof v === 'string',
    IsTimestamp: (v) => typeof v === 'string' && isTimestamp(v),
  };
  if ('IsPresent' in rule) return (query(rule.Variable, { ignoreDefinedValueConstraint: true }) !== undefined) === rule.IsPresent;
  for (const [test, holds] of Object.entries(typeTests)) {
    if (test in rule) return holds(query(rule.Variable)) === rule[test];
  }
  const kinds = { String: typeTests.IsString, Numeric: typeTests.IsNumeric, Boolean: typeTests.IsBoolean, Timestamp: typeTests.IsTimestamp };
  for (const key of Object.keys(rule)) {
    const kind = Object.keys(kinds).find((k) => key.startsWith(k));
    if (!kind) continue;
    const value = query(rule.Variable);
    if (!kinds[kind](value)) return false;
    if (key === 'StringMatches') return wildcard(rule.StringMatches).test(value);
    return undefined;
  }
  return undefined;
}
globalThis.chaoslabAWSChoice = awsChoice;

// wildcard is StringMatches' pattern as a regular expression: * any run of characters, \* a *,
// \\ a \, everything else itself.
function wildcard(pattern) {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') re += '[\\s\\S]*';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

// patched are the modules mended as they load, by URL, each with its fixes; a module whose text
// is not the pinned one, or that loaded without the hook seeing it, fails the host's start.
const patched = new Map([
  [libURL, { fixes: libraryFixes, pinned: 'aws-local-stepfunctions 3.0.0', done: false }],
  [pathsURL, { fixes: pathParserFixes, pinned: 'asl-path-validator 0.16.1', done: false }],
]);

registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    const module = patched.get(url);
    if (!module) return loaded;
    let source = String(loaded.source);
    for (const [from, to] of module.fixes) {
      const at = source.indexOf(from);
      if (at < 0 || source.indexOf(from, at + 1) >= 0) {
        throw new Error(`host.mjs: ${url} is not ${module.pinned} as package.json pins it: its fixes do not apply (${JSON.stringify(from.trim().split('\n')[0])})`);
      }
      source = source.slice(0, at) + to + source.slice(at + from.length);
    }
    module.done = true;
    return { ...loaded, source };
  },
});

const { StateMachine, ExecutionError, ExecutionTimeoutError, ExecutionAbortedError } = await import(libURL);
for (const [url, module] of patched) {
  if (!module.done) throw new Error(`host.mjs: ${url} was loaded without its fixes (the load hook never saw it)`);
}

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

function log(level, msg) {
  send({ type: 'log', level, msg });
}

// eachState calls visit(name, state, where) for every state of a definition, nested ones included
// (a Map's ItemProcessor or Iterator, a Parallel's Branches); where is its path from the root.
function eachState(machine, visit, prefix = '') {
  for (const [name, state] of Object.entries(machine?.States ?? {})) {
    const where = `${prefix}States.${name}`;
    visit(name, state, where);
    const iteration = state.ItemProcessor ?? state.Iterator;
    if (iteration) eachState(iteration, visit, `${where}.ItemProcessor.`);
    (state.Branches ?? []).forEach((b, i) => eachState(b, visit, `${where}.Branches[${i}].`));
  }
}

// taskStates returns every Task state of a definition by name, nested ones included. State names
// are unique across a whole state machine in AWS, so a name identifies a state.
function taskStates(definition) {
  const out = new Map();
  eachState(definition, (name, state) => {
    if (state.Type === 'Task') out.set(name, state.Resource);
  });
  return out;
}

// asAWSRunsIt rewrites a definition where the library reads it otherwise than AWS does (each rule is
// a test in sfn_test.go):
//   - "ResultPath": "$" (a state's or a Catcher's) is dropped: it is the default, which the library
//     reads right, while it reads "$" written out as a key named "$";
//   - a Task without TimeoutSeconds(Path) gets AWS's default, 99999999 s: the library's default is
//     the spec's 60 s, and a task that waits longer (a function, a callback) would time out here
//     only.
function asAWSRunsIt(definition) {
  const copy = structuredClone(definition); // the caller's definition stays as it came
  eachState(copy, (_, state) => {
    if (state.ResultPath === '$') delete state.ResultPath;
    for (const c of Array.isArray(state.Catch) ? state.Catch : []) {
      if (c?.ResultPath === '$') delete c.ResultPath;
    }
    if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
      state.TimeoutSeconds = AWS_TASK_TIMEOUT_SECONDS;
    }
  });
  return copy;
}

// AWS_TASK_TIMEOUT_SECONDS: a Task's TimeoutSeconds when it has none, AWS's (its Task state docs).
const AWS_TASK_TIMEOUT_SECONDS = 99999999;

// awsRules are the problems of a definition that AWS refuses and the library's validator passes
// (the Amazon States Language's MUSTs on retriers, catchers and choice rules), each naming its state.
function awsRules(definition) {
  const problems = [];
  const errorList = (list, where) => {
    (list ?? []).forEach((entry, i) => {
      const errs = entry?.ErrorEquals ?? [];
      if (errs.includes('States.ALL') && errs.length > 1)
        problems.push(`${where}[${i}]: States.ALL must appear alone in its ErrorEquals`);
      if (errs.includes('States.ALL') && i !== list.length - 1)
        problems.push(`${where}[${i}]: States.ALL must appear in the last ${where.endsWith('.Retry') ? 'retrier' : 'catcher'}`);
    });
  };
  const nestedNext = (rule, where) => {
    for (const op of ['And', 'Or']) {
      for (const [i, sub] of (rule?.[op] ?? []).entries()) {
        if (sub?.Next !== undefined) problems.push(`${where}.${op}[${i}]: a nested choice rule has no Next`);
        nestedNext(sub, `${where}.${op}[${i}]`);
      }
    }
    if (rule?.Not) {
      if (rule.Not.Next !== undefined) problems.push(`${where}.Not: a nested choice rule has no Next`);
      nestedNext(rule.Not, `${where}.Not`);
    }
  };
  eachState(definition, (_name, state, where) => {
    errorList(state.Retry, `${where}.Retry`);
    errorList(state.Catch, `${where}.Catch`);
    (state.Retry ?? []).forEach((r, i) => {
      if (typeof r?.BackoffRate === 'number' && r.BackoffRate < 1)
        problems.push(`${where}.Retry[${i}].BackoffRate: ${r.BackoffRate} is below 1.0`);
    });
    if (typeof state.TimeoutSeconds === 'number' && typeof state.HeartbeatSeconds === 'number' && state.HeartbeatSeconds >= state.TimeoutSeconds)
      problems.push(`${where}: HeartbeatSeconds (${state.HeartbeatSeconds}) must be smaller than TimeoutSeconds (${state.TimeoutSeconds})`);
    (state.Choices ?? []).forEach((rule, i) => nestedNext(rule, `${where}.Choices[${i}]`));
  });
  return problems;
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
    try {
      // AWS's first case of States.DataLimitExceeded: "the output of a connector is larger than
      // payload size quota", whatever ResultSelector or ResultPath would keep of it.
      globalThis.chaoslabDataLimit(output, `The task '${resource}' of the state '${state}' returned a result`);
    } catch (err) {
      send({ type: 'event', arn, event: { type: 'TaskFailed', timestamp: ts(), stateName: state, resource, Error: err.name, Cause: err.message } });
      throw err;
    }
    send({ type: 'event', arn, event: { type: 'TaskSucceeded', timestamp: ts(), stateName: state, resource, output } });
    return output;
  };
}

// contextObject builds the Context Object ($$) an execution starts with; $$.State is set as each
// state starts (chaoslabEnterState).
function contextObject(ctx, input) {
  const c = { ...(ctx ?? {}) };
  c.Execution = { ...(c.Execution ?? {}), Input: input };
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
      problem = awsRules(msg.definition).join('; ');
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
    machine = new StateMachine(asAWSRunsIt(definition), { validationOptions: { noValidate: true } });
  } catch (err) {
    send({ type: 'end', arn, status: 'FAILED', error: 'States.Runtime', cause: String(err?.message ?? err) });
    return;
  }
  const tasks = taskStates(definition);
  const handlers = {};
  for (const [state, resource] of tasks) handlers[state] = taskHandler(arn, state, resource);
  const execution = machine.run(msg.input ?? null, {
    overrides: { taskResourceLocalHandlers: handlers },
    context: contextObject(msg.context, msg.input ?? null),
  });
  const record = { execution, aborted: false };
  executions.set(arn, record);

  const terminal = new Set(['ExecutionSucceeded', 'ExecutionFailed', 'ExecutionAborted', 'ExecutionTimeout']);
  const logged = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'ExecutionStarted' || terminal.has(event.type)) continue; // Go writes these
      if (event.type === 'StateFailed' && event.state?.type === 'Task') {
        event.resource = tasks.get(event.state.name);
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

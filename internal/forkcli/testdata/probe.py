#!/usr/bin/python3
# A command for forkcli's tests: what a process sees of itself, and an ending chosen by argv[1].
import os
import signal
import sys
import time

import probe_mod  # counts its imports in $PROBE_IMPORTS

print("argv", sys.argv[1:])
print("cwd", os.getcwd())
print("env", os.environ.get("PROBE_VAR"))
print("stdin", repr(sys.stdin.read()))
print("path0", sys.path[0])
print("main", __name__)
print("to stderr", file=sys.stderr)
how = sys.argv[1] if len(sys.argv) > 1 else "ok"
if how == "exit":
    sys.exit(int(sys.argv[2]))
if how == "exit-message":
    sys.exit("a message for stderr")
if how == "raise":
    raise ValueError("raised at top level")
if how == "signal":
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGTERM)
if how == "sleep":
    print("pid", os.getpid(), file=sys.stderr, flush=True)
    time.sleep(float(sys.argv[2]))

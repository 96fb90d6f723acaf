#!/usr/bin/python3
# A command for forkcli's tests: what a process sees of itself, and an ending chosen by argv[1].
import os
import signal
import sys
import threading
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
if how == "sleep":  # sleep SECONDS [PIDFILE]: the pid to stderr, and to PIDFILE once printed
    print("pid", os.getpid(), file=sys.stderr, flush=True)
    if len(sys.argv) > 3:
        with open(sys.argv[3] + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(sys.argv[3] + ".tmp", sys.argv[3])
    time.sleep(float(sys.argv[2]))
if how == "thread":  # a thread that is not a daemon outlives the script's end, as Python waits
    threading.Thread(target=lambda: (time.sleep(0.3), print("thread done", flush=True))).start()
    print("main done", flush=True)
if how == "interrupt":
    raise KeyboardInterrupt

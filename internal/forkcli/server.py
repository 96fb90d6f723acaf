# The fork server of package forkcli (forkcli.go says why it exists). It imports the modules named
# after the script's path, says "ready", then serves requests on fd 3, a SOCK_SEQPACKET socket:
#
#   {"id": n, "argv": [...], "cwd": "..."} with three descriptors (the child's stdin, stdout and
#     stderr): a child is forked, runs the script as a process started by its path would ("__main__",
#     sys.argv = [script, *argv]), and exits with its status; the answer, {"id": n, "exit": c}, comes
#     when it has ended (c negative: killed by signal -c);
#   {"kill": n}: child n is sent SIGKILL (through its pidfd: never another process that took its pid).
#
# End of file on the socket (the Go side closed it, or died) kills every child still running and
# ends the server. It never starts a thread, so that each fork copies one whole interpreter.
import gc
import importlib
import json
import os
import runpy
import selectors
import signal
import socket
import sys
import traceback

script, preload = sys.argv[1], sys.argv[2:]
sys.path[0] = os.path.dirname(os.path.realpath(script))  # as `python script` has it ("" under -c)
for name in preload:
    importlib.import_module(name)
# The imports' objects move to a generation the collector never scans, so that no child's
# collection writes to (and copies) the pages it shares with the server.
gc.collect()
gc.freeze()

sock = socket.socket(fileno=3)
sel = selectors.DefaultSelector()
sel.register(sock, selectors.EVENT_READ)
children = {}  # id -> (pid, pidfd)


def send(msg):
    sock.send(json.dumps(msg).encode())


def child(req, fds):
    """Runs in the forked child: never returns."""
    code = 1
    try:
        sel.close()
        sock.close()
        for _, pidfd in children.values():
            os.close(pidfd)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(req["cwd"])
        sys.argv = [script] + req["argv"]
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as e:
            if e.code is None:
                code = 0
            elif isinstance(e.code, int):
                code = e.code
            else:
                print(e.code, file=sys.stderr)
                code = 1
        except BaseException:
            traceback.print_exc()
            code = 1
        import atexit
        atexit._run_exitfuncs()
    finally:
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except BaseException:
                pass
        os._exit(code & 0xFF)


def start(req, fds):
    pid = os.fork()
    if pid == 0:
        child(req, fds)
    for fd in fds:
        os.close(fd)
    pidfd = os.pidfd_open(pid)
    children[req["id"]] = (pid, pidfd)
    sel.register(pidfd, selectors.EVENT_READ, req["id"])


def reap(n):
    pid, pidfd = children.pop(n)
    sel.unregister(pidfd)
    os.close(pidfd)
    _, status = os.waitpid(pid, 0)
    send({"id": n, "exit": os.waitstatus_to_exitcode(status)})


def main():
    send({"ready": os.getpid()})
    while True:
        for key, _ in sel.select():
            if key.data is not None:
                reap(key.data)
                continue
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
            if not data:
                for n in list(children):
                    signal.pidfd_send_signal(children[n][1], signal.SIGKILL)
                    pid, pidfd = children.pop(n)
                    os.waitpid(pid, 0)
                    os.close(pidfd)
                return
            req = json.loads(data)
            if "kill" in req:
                for fd in fds:
                    os.close(fd)
                if req["kill"] in children:
                    signal.pidfd_send_signal(children[req["kill"]][1], signal.SIGKILL)
                continue
            if len(fds) != 3:
                for fd in fds:
                    os.close(fd)
                raise SystemExit(f"forkcli server: request {req['id']} came with {len(fds)} descriptors, want 3")
            start(req, fds)


main()

# The fork server of package forkcli (forkcli.go says why it exists). It imports the modules named
# after the script's path, says "ready", then serves requests on fd 3, a SOCK_SEQPACKET socket:
#
#   {"id": n, "argv": [...], "cwd": "..."} with three descriptors (the child's stdin, stdout and
#     stderr): a child is forked, runs the script as a process started by its path would ("__main__",
#     sys.argv = [script, *argv]), and exits with its status; the answer, {"id": n, "exit": c}, comes
#     when it has ended (c negative: killed by signal -c), or {"id": n, "error": "..."} when no child
#     could be started;
#   {"kill": n}: child n is sent SIGKILL (through its pidfd: never another process that took its pid).
#
# End of file on the socket (the Go side closed it, or died), or any failure of the server itself,
# kills every child still running and ends the server; a child also gets SIGKILL from the kernel
# when the server dies, however it died. It never starts a thread, so that each fork copies one
# whole interpreter.
import ctypes
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

PR_SET_PDEATHSIG = 1
libc = ctypes.CDLL(None, use_errno=True)
server = os.getpid()
sock = socket.socket(fileno=3)
sel = selectors.DefaultSelector()
sel.register(sock, selectors.EVENT_READ)
children = {}  # id -> (pid, pidfd)


def send(msg):
    sock.send(json.dumps(msg).encode())


def exit_code(e):
    """The status Python exits with for SystemExit e."""
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code
    print(e.code, file=sys.stderr)
    return 1


def child(req, fds):
    """Runs in the forked child: never returns."""
    code = 1
    interrupted = False
    try:
        try:
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0 or os.getppid() != server:
                os._exit(1)  # the server died between the fork and the prctl
            sel.close()
            sock.close()
            for _, pidfd in children.values():
                os.close(pidfd)
            for target, fd in enumerate(fds):
                os.dup2(fd, target)
                os.close(fd)
            os.chdir(req["cwd"])
            sys.argv = [script] + req["argv"]
        except BaseException:
            traceback.print_exc()
            raise
        try:
            runpy.run_path(script, run_name="__main__")
            code = 0
        except SystemExit as e:
            code = exit_code(e)
        except KeyboardInterrupt:
            traceback.print_exc()
            interrupted = True
        except BaseException:
            traceback.print_exc()
            code = 1
        # What Python does at exit: wait for the threads that are not daemons (an s3 transfer's
        # pool), then the exit functions.
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
    finally:
        for f in (sys.stdout, sys.stderr):
            try:
                f.flush()
            except BaseException:
                code = code or 120  # as Python exits when its stdout cannot be flushed
        if interrupted:  # Python ends an uncaught KeyboardInterrupt by SIGINT
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        os._exit(code & 0xFF)


def start(req, fds):
    try:
        pid = os.fork()
    except OSError as e:
        for fd in fds:
            os.close(fd)
        send({"id": req["id"], "error": f"fork: {e}"})
        return
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


def serve():
    send({"ready": os.getpid()})
    while True:
        for key, _ in sel.select():
            if key.data is not None:
                reap(key.data)
                continue
            data, fds, _, _ = socket.recv_fds(sock, 1 << 20, 3)
            if not data:
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
                send({"id": req["id"], "error": f"the request came with {len(fds)} descriptors, want 3"})
                continue
            start(req, fds)


try:
    serve()
finally:
    for pid, pidfd in children.values():
        try:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass

"""What the end-to-end scripts share (standard library only): one line per check, a free loopback port, and a server
process that is started, waited for (its port accepts connections), read and stopped with SIGINT.

    from e2e import Checks, ServerProcess, free_port
"""
import os, signal, socket, subprocess, time


class Checks:
    """`check(condition, message)` prints `ok`/`FAIL` and a message per check; `failed` lists the failures."""

    def __init__(self):
        self.passed, self.failed = [], []

    def __call__(self, condition, message):
        print(("ok   " if condition else "FAIL ") + message, flush=True)
        (self.passed if condition else self.failed).append(message)
        return condition

    def summary(self):
        """Prints `N passed, M failed` and returns the exit status (1 when a check failed)."""
        print(f"{len(self.passed)} passed, {len(self.failed)} failed")
        return 1 if self.failed else 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server on 127.0.0.1:`port`, its output in `workdir/NAME-PORT.log`; started once its port accepts a connection.

    Exits the script (SystemExit with the server's output) when the process ends or the port is not open within 30 s.
    """

    def __init__(self, name, command, workdir, port, env=None):
        self.name, self.port = name, port
        self.log = open(os.path.join(workdir, f"{name}-{port}.log"), "w+")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{name} exited: " + self.output())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit(f"{name} did not start: " + self.output())

    def url(self, path, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()

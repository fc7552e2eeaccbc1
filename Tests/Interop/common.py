"""Helpers shared by the interop scripts in this directory (interop.py and issuer_interop.py).

Only the standard library is imported here, so a script can import this module before it tries the third-party
JOSE libraries and report their absence with `missing_dependencies`.

  * `CheckHarness` runs named checks and keeps the score: one line per check (`ok   NAME` or
    `FAIL NAME: reason`), then `N passed, M failed` from `summary()`, which returns the exit status.
  * `CheckFailed` is how a check reports a failure with a readable reason (and, optionally, what jot wrote on
    stderr); any other exception raised by a check is reported as `ExceptionType: message`.
  * `run_jot` runs the jot executable once, with a timeout, and captures its output.
  * `add_standard_arguments`, `parse_algs`, `resolve_jot` and `temporary_workdir` are the command-line plumbing
    both scripts share (`--jot`, `--algs`, `--timeout`, `--keep`).
  * `running_jot_serve` starts `jot serve` on a free port and stops it afterwards (the OAuth scripts).
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, NoReturn, Sequence

# JWK members that only a private (or symmetric) key has; none may appear in a published public key.
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


# ---------------------------------------------------------------------------------------------------------------
# Small helpers


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def one_line(text: str, limit: int = 600) -> str:
    text = " | ".join(line.strip() for line in text.strip().splitlines() if line.strip())
    return text if len(text) <= limit else text[:limit] + "…"


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def missing_dependencies(error: ImportError) -> NoReturn:
    """Reports a missing third-party library like a failed check, and exits with status 1."""
    print(f"FAIL python dependencies: {error} (run Tests/Interop/setup-venv.sh, then use .venv/bin/python)")
    print("0 passed, 1 failed")
    sys.exit(1)


# ---------------------------------------------------------------------------------------------------------------
# Running jot and recording checks


class CheckFailed(Exception):
    def __init__(self, reason: str, stderr: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.stderr = stderr


class JotResult:
    def __init__(self, rc: int, stdout: str, stderr: str):
        self.rc, self.stdout, self.stderr = rc, stdout, stderr


def run_jot(jot: str, args: Sequence[str], timeout: float, env: dict[str, str], stdin: str | None = None) -> JotResult:
    """Runs `jot ARGS` to completion; a timeout or a jot that cannot be started raises CheckFailed."""
    what = "jot " + " ".join(args[:2])
    try:
        proc = subprocess.run(
            [jot, *args],
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=timeout,
            env=env,
        )
    except subprocess.TimeoutExpired as error:
        partial = error.stderr.decode("utf-8", "replace") if isinstance(error.stderr, bytes) else (error.stderr or "")
        raise CheckFailed(f"{what} timed out after {timeout:g} s", partial)
    except OSError as error:
        raise CheckFailed(f"cannot run {jot}: {error}")
    return JotResult(proc.returncode, proc.stdout, proc.stderr)


class CheckHarness:
    """Runs named checks, prints one line for each, and counts the passed and the failed ones."""

    reason_limit = 800  # characters of a failure reason kept on its FAIL line

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, name: str, body: Callable[[], Any]) -> bool:
        try:
            body()
        except CheckFailed as error:
            self._fail(name, error.reason, error.stderr)
            return False
        except Exception as error:  # a Python library refusing a token or key, or an assertion in the check
            self._fail(name, f"{type(error).__name__}: {error}", None)
            return False
        self.passed += 1
        print(f"ok   {name}", flush=True)
        return True

    def skip_dependent(self, name: str, dependency: str) -> None:
        self._fail(name, f"not run: {dependency} failed", None)

    def summary(self) -> int:
        """Prints `N passed, M failed` and returns the exit status: 1 when anything failed, else 0."""
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        return 1 if self.failed else 0

    def _fail(self, name: str, reason: str, stderr: str | None) -> None:
        self.failed += 1
        line = f"FAIL {name}: {one_line(reason, self.reason_limit)}"
        if stderr is not None:
            line += f"; jot stderr: {one_line(stderr) or '<empty>'}"
        print(line, flush=True)


# ---------------------------------------------------------------------------------------------------------------
# Command line


def add_standard_arguments(parser: argparse.ArgumentParser, algs: list[str], timeout_help: str, keep_help: str) -> None:
    """--jot PATH (required), --algs (default: all of `algs`), --timeout SECONDS (default 60), --keep."""
    parser.add_argument("--jot", required=True, help="path to the jot executable (e.g. .build/debug/jot)")
    parser.add_argument("--algs", default=",".join(algs), help=f"comma-separated subset of {','.join(algs)}")
    parser.add_argument("--timeout", type=float, default=60.0, help=timeout_help)
    parser.add_argument("--keep", action="store_true", help=keep_help)


def parse_algs(parser: argparse.ArgumentParser, text: str, known: list[str]) -> list[str]:
    """The algorithms named in a comma-separated `--algs` value; an unknown one is a usage error (exit 2)."""
    algs = [a.strip() for a in text.split(",") if a.strip()]
    unknown = [a for a in algs if a not in known]
    if unknown:
        parser.error(f"unknown algorithm(s) {unknown}; choose from {known}")
    return algs


def resolve_jot(path: str) -> str:
    """A bare name is looked up on PATH (and kept as given when it is not found there); a path is made absolute."""
    jot = shutil.which(path) if os.sep not in path else str(Path(path).absolute())
    return jot or path


@contextmanager
def temporary_workdir(prefix: str, keep: bool) -> Iterator[Path]:
    """A fresh temporary directory, removed afterwards unless `keep` (then its path goes to stderr)."""
    workdir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield workdir
    finally:
        if keep:
            print(f"# kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


class ServerDidNotStart(Exception):
    """`jot serve` exited or did not answer `/healthz` in time; the message ends with its log."""


@contextmanager
def running_jot_serve(jot: str, args: Sequence[str], work: Path, env: dict[str, str], timeout: float) -> Iterator[str]:
    """`jot serve ARGS --port P` on a free loopback port, its output in `work/serve.log`; yields its base URL once
    `/healthz` answers 200, and stops it (SIGTERM, then SIGKILL after 10 s) afterwards.

    Raises `ServerDidNotStart` (with the end of the log) when the server exits or does not answer within `timeout`.
    """
    port = free_loopback_port()
    base = f"http://127.0.0.1:{port}"
    with open(work / "serve.log", "wb") as log:
        server = subprocess.Popen([jot, "serve", *args, "--port", str(port)], stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/healthz", timeout=2) as answer:
                        if answer.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise ServerDidNotStart((work / "serve.log").read_text()[-2000:])
                time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()

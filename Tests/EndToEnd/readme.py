#!/usr/bin/env python3
"""Runs the shell blocks that README.md and Examples/README.md mark as runnable, in order, as a new user pastes them.

A block is runnable when the line before its opening fence is an HTML comment (invisible on GitHub):

    <!-- runnable -->                      the block runs in the shell of this README (variables carry over)
    <!-- runnable: background URL -->      the block starts a server: it runs in the background, its output goes to a
                                           log, and the next block waits until URL answers (60 s at most)

Inside a runnable block, a comment line `# → TEXT` right after a command says what the command prints: the command's
output must contain TEXT, or the test fails showing what was printed. Other comments are the reader's.

Each README runs in one bash (`set -euo pipefail`) in a fresh temporary directory, so `Keys/` and `jot-users.sqlite` are
created anew, with `swift run NAME ARGS` meaning the already built `BIN/NAME ARGS` (the test command builds first).
Every server a README started is stopped at its end. The default ports (8080, 8081, 8082, 3000) must be free.

Usage: readme.py --bin .build/debug README.md Examples/README.md
"""

import argparse
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile

MARKER = re.compile(r"^<!--\s*runnable(?::\s*(?P<kind>background)\s+(?P<url>\S+))?\s*-->\s*$")
EXPECT = re.compile(r"^#\s*→\s?(?P<text>.*)$")


def blocks(path):
    """Yields (line number, kind, url, lines) for each runnable block of a Markdown file."""
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        marker = MARKER.match(lines[i].strip())
        if not marker:
            i += 1
            continue
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            raise SystemExit(f"{path}:{i + 1}: a runnable marker must be followed by a ``` block")
        start = i + 2
        end = start
        while end < len(lines) and not lines[end].startswith("```"):
            end += 1
        if end >= len(lines):
            raise SystemExit(f"{path}:{i + 2}: the block never closes")
        yield start, marker.group("kind") or "run", marker.group("url"), lines[start:end]
        i = end + 1


def strip_comment(command):
    """The command without a trailing `# …` comment (a `#` outside quotes, after whitespace)."""
    quote = None
    for i, c in enumerate(command):
        if quote:
            if c == quote:
                quote = None
            elif c == "\\" and quote == '"':
                continue
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or command[i - 1].isspace()):
            return command[:i].rstrip()
    return command


def commands(lines):
    """Joins continued lines; returns (command, [expected texts]) pairs, comments dropped."""
    result = []
    pending = ""
    for line in lines:
        expect = EXPECT.match(line.strip())
        if expect and not pending:
            if not result:
                raise SystemExit(f"an expectation '{line.strip()}' before any command")
            result[-1][1].append(expect.group("text").strip())
            continue
        if line.strip().startswith("#") and not pending:
            continue
        if line.rstrip().endswith("\\"):
            pending += strip_comment(line.rstrip()[:-1]) + " "
            continue
        command = strip_comment((pending + line).strip())
        pending = ""
        if command:
            result.append((command, []))
    if pending:
        result.append((pending.strip(), []))
    return result


def script_for(path, binaries):
    """The bash script that runs the runnable blocks of one README."""
    out = [
        "set -euo pipefail",
        "set -m  # each server in a process group of its own, so that stopping it stops what it started",
        f"swift() {{ if [ \"$1\" = run ]; then shift; local name=\"$1\"; shift; \"{binaries}/$name\" \"$@\"; "
        "else echo \"readme test: only 'swift run NAME' can be run here, not: swift $*\" >&2; return 2; fi; }",
        "servers=()",
        "stop_servers() { for pid in \"${servers[@]}\"; do kill -TERM -- \"-$pid\" 2>/dev/null || true; done; "
        "wait 2>/dev/null || true; }",
        "trap stop_servers EXIT",
        "show_logs() { for log in server-*.log; do [ -f \"$log\" ] && { echo \"--- $log\"; tail -n 30 \"$log\"; }; done; }",
        "fail() { echo \"README FAILED at $1: $2\" >&2; show_logs >&2; exit 1; }",
        "wait_for() {  # wait_for URL PID WHERE",
        "  for _ in $(seq 240); do",
        "    curl -s -o /dev/null --max-time 1 \"$1\" && return 0",
        "    kill -0 \"$2\" 2>/dev/null || fail \"$3\" \"the server exited before $1 answered\"",
        "    sleep 0.25",
        "  done",
        "  fail \"$3\" \"$1 did not answer within 60 s\"",
        "}",
    ]
    count = 0
    for line_number, kind, url, lines in blocks(path):
        where = f"{path}:{line_number}"
        count += 1
        out.append(f"echo {shlex.quote('== ' + where)}")
        for command, expectations in commands(lines):
            out.append(f"echo {shlex.quote('$ ' + command)}")
            if kind == "background":
                log = f"server-{count}.log"
                command = command.rstrip("&").rstrip()
                out.append(f"{{ {command} ; }} >{log} 2>&1 &")
                out.append("servers+=($!)")
                continue
            if expectations:
                out.append(f"output=$({command}) || fail {shlex.quote(where)} {shlex.quote('failed: ' + command)}")
                out.append("printf '%s\\n' \"$output\"")
                for text in expectations:
                    out.append(
                        f"grep -qF -- {shlex.quote(text)} <<<\"$output\" || fail {shlex.quote(where)} "
                        + shlex.quote(f"expected the output of '{command}' to contain '{text}'")
                    )
            else:
                out.append(f"{command} || fail {shlex.quote(where)} {shlex.quote('failed: ' + command)}")
        if kind == "background":
            out.append(f"wait_for {shlex.quote(url)} \"${{servers[-1]}}\" {shlex.quote(where)}")
    return "\n".join(out) + "\n", count


def port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the directory of the built executables (.build/debug)")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    binaries = os.path.abspath(args.bin)
    missing = [tool for tool in ("curl", "jq", "openssl") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"the READMEs use {', '.join(missing)}: install it (Debian: apt-get install {' '.join(missing)})")
    busy = [p for p in (8080, 8081, 8082, 8083, 3000) if not port_free(p)]
    if busy:
        raise SystemExit(f"ports {busy} are in use: the READMEs use the default ports; stop what listens there first")
    for path in args.files:
        script, count = script_for(path, binaries)
        if count == 0:
            raise SystemExit(f"{path}: no runnable blocks (mark them with <!-- runnable -->)")
        with tempfile.TemporaryDirectory(prefix="jot-readme.") as work:
            with open(os.path.join(work, "readme.sh"), "w") as f:
                f.write(script)
            env = dict(os.environ, LOG_LEVEL=os.environ.get("LOG_LEVEL", "info"))
            env.pop("JWT_SECRET", None)
            print(f"== {path}: {count} runnable blocks, in {work}", flush=True)
            result = subprocess.run(["bash", os.path.join(work, "readme.sh")], cwd=work, env=env)
            if result.returncode != 0:
                sys.exit(f"{path}: a runnable block failed (above)")
    print("READMEs ran as written")


if __name__ == "__main__":
    main()

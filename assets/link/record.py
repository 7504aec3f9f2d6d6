#!/usr/bin/env python3
"""Records the functions a session of rockchat runs, in the order they first run, into
hot-functions.txt beside this script; build.rs has the release binary linked with them first.

    python3 assets/link/record.py      # needs valgrind and tmux; takes a few minutes

It builds the release binary with a link map, serves scripted replies on a loopback port and
drives three sessions in tmux (120x40) under callgrind: a new chat with a streamed markdown
reply, scrolled; a 10,000-message conversation opened, scrolled to its top and back, and
answered; a prompt sent to a server that is not there. Each instruction callgrind saw run is
looked up in the link map, and the function section holding it is listed once, in the order
first seen. Record again when the dependencies or the toolchain change: names the linker no
longer finds are passed over, so a stale list only costs memory.
"""

import bisect
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OUT = HERE / "hot-functions.txt"

REPLY = (
    "## Ownership\n\nEvery value has **one owner**; `&` borrows it, and the borrow checker "
    "makes sure no reference outlives its value. " * 8
    + "\n\n- first point\n- second point\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
    "```rust\nfn main() {\n    let s = String::from(\"hello\");\n    println!(\"{s}\");\n}\n```\n\nDone.\n"
)


class Replies(BaseHTTPRequestHandler):
    """An OpenAI-compatible server: one model, and the same markdown reply word by word."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"object": "list", "data": [{"id": "fake-1", "object": "model"}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

        def send(payload):
            data = f"data: {payload}\n\n".encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        for word in re.findall(r"\S+\s*", REPLY):
            delta = {"choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]}
            send(json.dumps(delta))
            time.sleep(0.002)
        send(json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
        send(json.dumps({"choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": 90}}))
        send("[DONE]")
        self.wfile.write(b"0\r\n\r\n")


def long_conversation(path):
    """The export the harness in tests/feel.rs opens: 10,000 messages of markdown."""
    turns = [{"role": "system", "content": "You are a helpful assistant"}]
    for n in range(10_000):
        if n % 2 == 0:
            turns.append({"role": "user", "content": f"Question {n}: how do lifetimes work?"})
        else:
            text = (f"## Answer {n}\n\nThe borrow checker makes sure **every reference** is "
                    f"valid.\n\n- first point\n- second point\n\n```rust\nfn f{n}(x: &str) -> "
                    f"usize {{\n    x.len()\n}}\n```\n\nThat is all for {n}.")
            turns.append({"role": "assistant", "content": text})
    path.write_text(json.dumps({"model": "gpt-4o-mini", "messages": turns}))


class Terminal:
    """One tmux session running a command at 120x40."""

    def __init__(self, name, command, env):
        self.name = name
        line = shlex.join(["env", *[f"{k}={v}" for k, v in env.items()], *map(str, command)])
        subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", line],
                       check=True)

    def screen(self):
        done = subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name],
                              capture_output=True, text=True)
        return done.stdout

    def wait_for(self, text, timeout=600):
        deadline = time.monotonic() + timeout
        while text not in self.screen():
            if time.monotonic() > deadline:
                sys.exit(f"{self.name}: {text!r} never showed:\n{self.screen()}")
            time.sleep(0.5)

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def wait_closed(self, timeout=600):
        deadline = time.monotonic() + timeout
        while subprocess.run(["tmux", "has-session", "-t", self.name],
                             capture_output=True).returncode == 0:
            if time.monotonic() > deadline:
                sys.exit(f"{self.name} did not quit")
            time.sleep(0.5)


def sessions(binary, work, port):
    """Runs the three sessions; returns callgrind's output files."""
    data = work / "data"
    data.mkdir()
    env = {"ROCKCHAT_DATA_DIR": str(data), "HOME": str(data), "XDG_CONFIG_HOME": str(data),
           "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    export = work / "long.json"
    long_conversation(export)
    subprocess.run([binary, "import", export], env={**os.environ, **env}, check=True,
                   stdout=subprocess.DEVNULL)
    outputs = []

    def run(name, base_url, args, script):
        out = work / f"{name}.callgrind"
        outputs.append(out)
        valgrind = ["valgrind", "--tool=callgrind", "--dump-instr=yes", "--compress-pos=no",
                    "--compress-strings=no", f"--callgrind-out-file={out}",
                    f"--log-file={work / name}.valgrind"]
        terminal = Terminal(f"record-{name}-{os.getpid()}",
                            [*valgrind, binary, "--base-url", base_url, "--model", "fake-1", *args],
                            env)
        script(terminal)
        # Ctrl+C quits an idle chat; a second one if the first only stopped something.
        for _ in range(2):
            subprocess.run(["tmux", "send-keys", "-t", terminal.name, "C-c"], capture_output=True)
            time.sleep(2)
        terminal.wait_closed()

    served = f"http://127.0.0.1:{port}/v1"

    def chat(t):
        t.wait_for("F1 help")
        t.keys("Explain **ownership** in Rust with an example")
        t.wait_for("an example")
        t.keys("Enter")
        t.wait_for("Done.")
        t.wait_for("idle")
        for key in ["PageUp", "Home", "End"]:
            t.keys(key)
            time.sleep(2)

    def long(t):
        t.wait_for("That is all for 9999")
        t.keys("Home")
        t.wait_for("Question 0:")
        for key in ["PageDown", "End"]:
            t.keys(key)
            time.sleep(2)
        t.keys("next question")
        t.wait_for("next question")
        t.keys("Enter")
        t.wait_for("Done.")
        t.wait_for("idle")

    def unreachable(t):
        t.wait_for("F1 help")
        t.keys("is anyone there?")
        t.wait_for("anyone there?")
        t.keys("Enter")
        t.wait_for("cannot connect")

    run("chat", served, [], chat)
    run("long", served, ["--open", "1"], long)
    run("unreachable", "http://127.0.0.1:9/v1", [], unreachable)
    return outputs


def text_sections(link_map):
    """(start, end, section name) of each function section of the output's .text."""
    sections = []
    in_text = False
    for line in link_map.read_text().splitlines():
        fields = line.split(None, 4)
        if len(fields) == 5 and fields[4].startswith("."):
            in_text = fields[4].strip() == ".text"
            continue
        if not in_text or len(fields) < 5:
            continue
        name = re.search(r":\((\.text[^)]*)\)$", fields[4].strip())
        size = int(fields[2], 16)
        if name and size:
            start = int(fields[0], 16)
            sections.append((start, start + size, name.group(1)))
    return sorted(sections)


def ran(outputs, sections, binary):
    """The sections holding an instruction that ran, in the order first seen."""
    starts = [start for start, _, _ in sections]
    seen = {}
    for output in outputs:
        ours = False
        for line in output.read_text().splitlines():
            if line.startswith("ob="):
                ours = line[3:].strip() == str(binary)
            elif ours and line.startswith("0x"):
                address = int(line.split()[0], 16)
                at = bisect.bisect_right(starts, address) - 1
                if at >= 0 and address < sections[at][1]:
                    seen.setdefault(sections[at][2], sections[at][1] - sections[at][0])
    return seen


def main():
    work = Path(tempfile.mkdtemp(prefix="rockchat-record-"))
    link_map = work / "rockchat.map"
    subprocess.run(["cargo", "rustc", "--release", "--locked", "--bin", "rockchat", "--", "-C",
                    f"link-arg=-Wl,-Map={link_map}"], cwd=ROOT, check=True)
    metadata = subprocess.run(["cargo", "metadata", "--format-version", "1", "--no-deps"],
                              cwd=ROOT, check=True, capture_output=True, text=True)
    binary = Path(json.loads(metadata.stdout)["target_directory"]) / "release" / "rockchat"

    server = ThreadingHTTPServer(("127.0.0.1", 0), Replies)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    outputs = sessions(binary, work, server.server_address[1])
    server.shutdown()

    seen = ran(outputs, text_sections(link_map), binary)
    prefixes = (".text.unlikely.", ".text.hot.", ".text.startup.", ".text.exit.", ".text.")
    names = []
    for section in seen:
        prefix = next((p for p in prefixes if section.startswith(p)), None)
        if prefix:
            names.append(section[len(prefix):])
    header = ("# The functions a session runs, first run first: see assets/link/record.py.\n"
              f"# {len(names)} functions, {sum(seen.values()) / 1e6:.1f} MB of code.\n")
    OUT.write_text(header + "".join(f"{name}\n" for name in names))
    print(f"{OUT}: {len(names)} functions, {sum(seen.values()) / 1e6:.2f} MB; work in {work}")


if __name__ == "__main__":
    main()

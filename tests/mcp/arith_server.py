#!/usr/bin/env python3
"""A tiny MCP server for rockchat's tests, speaking JSON-RPC on stdin and stdout.

Tools: `add` (pure arithmetic), `slow` (answers after `seconds`), `fail` (answers with an
error result), `crash` (the process exits without answering: a server that dies), `lines`
(a long result: `count` numbered lines).
Each call runs in a thread, so a slow call never holds up another. With ARITH_FAIL_START
set it exits before the handshake, like a server that cannot start.
"""
import json
import os
import sys
import threading
import time

if os.environ.get("ARITH_FAIL_START"):
    sys.stderr.write("arith: cannot open the database\n")
    sys.stderr.flush()
    sys.exit(3)

lock = threading.Lock()

TOOLS = [
    {"name": "add", "description": "Adds two numbers",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
                     "required": ["a", "b"]}},
    {"name": "slow", "description": "Answers after a while",
     "inputSchema": {"type": "object", "properties": {"seconds": {"type": "number"}}}},
    {"name": "fail", "description": "Always fails", "inputSchema": {"type": "object"}},
    {"name": "crash", "description": "Stops the server", "inputSchema": {"type": "object"}},
    {"name": "lines", "description": "Numbered lines",
     "inputSchema": {"type": "object", "properties": {"count": {"type": "integer"}}}},
]


def send(message):
    with lock:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()


def text(value, error=False):
    return {"content": [{"type": "text", "text": value}], "isError": error}


def call(request_id, name, arguments):
    if name == "add":
        total = arguments.get("a", 0) + arguments.get("b", 0)
        if isinstance(total, float) and total.is_integer():
            total = int(total)
        result = text(str(total))
    elif name == "slow":
        seconds = arguments.get("seconds", 30)
        time.sleep(seconds)
        result = text(f"slept {seconds} s")
    elif name == "fail":
        result = text("division by zero", error=True)
    elif name == "lines":
        count = int(arguments.get("count", 10))
        result = text("\n".join(f"line {n}" for n in range(1, count + 1)))
    elif name == "crash":
        sys.stderr.write("arith: crashing as asked\n")
        sys.stderr.flush()
        os._exit(1)
    else:
        send({"jsonrpc": "2.0", "id": request_id,
              "error": {"code": -32602, "message": f"unknown tool {name}"}})
        return
    send({"jsonrpc": "2.0", "id": request_id, "result": result})


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    message = json.loads(line)
    method = message.get("method")
    request_id = message.get("id")
    params = message.get("params") or {}
    if method == "initialize":
        send({"jsonrpc": "2.0", "id": request_id, "result": {
            "protocolVersion": params.get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}},
            "serverInfo": {"name": "arith", "version": "1.0"}}})
    elif method == "tools/list":
        send({"jsonrpc": "2.0", "id": request_id, "result": {"tools": TOOLS}})
    elif method == "tools/call":
        threading.Thread(target=call, args=(request_id, params.get("name"),
                                            params.get("arguments") or {}), daemon=True).start()
    elif method == "ping":
        send({"jsonrpc": "2.0", "id": request_id, "result": {}})
    elif request_id is not None:
        send({"jsonrpc": "2.0", "id": request_id,
              "error": {"code": -32601, "message": f"no method {method}"}})

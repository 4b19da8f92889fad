#!/usr/bin/env python3
"""A scripted local stand-in for the OpenAI Responses API, so the real Codex
CLI and GitHub Copilot CLI run offline in tests (a model provider whose base
URL points here).

A prompt `run: COMMAND` is answered with one call of the client's shell tool
(whichever of `bash`, `shell`, `shell_command` or `exec_command` the
request offers) running exactly COMMAND; the next request (which carries the
function_call_output) ends the turn with a message `TOOL_RESULT: <output>`,
so the client's last message shows what the hook did.

Usage: responses_stand_in.py PORT_FILE   (binds 127.0.0.1 on a free port, writes it)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def text_of(item):
    content = item.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def shell_call(request, command):
    names = {tool.get("name") for tool in request.get("tools", []) if isinstance(tool, dict)}
    if "bash" in names:  # GitHub Copilot CLI
        return "bash", {"command": command, "description": "test"}
    if "shell_command" in names:
        return "shell_command", {"command": command}
    if "exec_command" in names:
        return "exec_command", {"cmd": command}
    return "shell", {"command": ["bash", "-lc", command]}


def output_items(request):
    items = request.get("input", [])
    last = items[-1] if items else {}
    if last.get("type") == "function_call_output":
        output = last.get("output")
        if not isinstance(output, str):
            output = json.dumps(output)
        return [message(f"TOOL_RESULT: {output}")]
    for item in reversed(items):
        if item.get("role") == "user":
            for line in text_of(item).splitlines():
                if line.startswith("run: "):
                    name, arguments = shell_call(request, line[len("run: "):])
                    return [{"type": "function_call", "id": "fc_1", "call_id": "call_1",
                             "name": name, "arguments": json.dumps(arguments),
                             "status": "completed"}]
            break
    return [message("nothing to do")]


def message(text):
    return {"type": "message", "role": "assistant", "id": "msg_1", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"object": "list", "data": [], "models": []}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            request = {}
        items = output_items(request)
        response = {"id": "resp_1", "object": "response", "status": "completed",
                    "model": request.get("model", "stand-in"), "output": items,
                    "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                              "input_tokens_details": {"cached_tokens": 0},
                              "output_tokens_details": {"reasoning_tokens": 0}}}
        events = [{"type": "response.created", "response": dict(response, status="in_progress", output=[])}]
        for index, item in enumerate(items):
            events.append({"type": "response.output_item.added", "output_index": index, "item": item})
            events.append({"type": "response.output_item.done", "output_index": index, "item": item})
        events.append({"type": "response.completed", "response": response})
        body = "".join(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n" for e in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""A scripted local stand-in for the Anthropic Messages API, so the real
Claude Code client runs offline in tests.

A prompt `run: COMMAND` is answered with one Bash tool call of exactly
COMMAND, and `tool: NAME {JSON input}` with one call of tool NAME (Read,
Write, Edit, WebFetch, …) with that input; the next request (which carries the tool_result) ends the turn with
a text block `TOOL_RESULT is_error=<bool>: <content>`, so the client's final
`result` shows what the hook did. Any other request gets a short text reply.

Usage: stand_in_api.py PORT_FILE   (binds 127.0.0.1 on a free port, writes it)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def text_of(content):
    if isinstance(content, str):
        return content
    parts = []
    for block in content or []:
        if block.get("type") == "text":
            parts.append(block.get("text", ""))
        elif block.get("type") == "tool_result":
            parts.append(text_of(block.get("content")))
    return "\n".join(parts)


def reply(request):
    """The assistant's content blocks and stop reason for a request."""
    users = [m for m in request.get("messages", []) if m.get("role") == "user"]
    last = users[-1] if users else {"content": ""}
    content = last.get("content")
    if isinstance(content, list):
        for block in content:
            if block.get("type") == "tool_result":
                result = text_of(block.get("content"))
                flag = bool(block.get("is_error"))
                return [{"type": "text", "text": f"TOOL_RESULT is_error={flag}: {result}"}], "end_turn"
    prompt = text_of(content)
    for line in prompt.splitlines():
        if line.startswith("tool: ") and request.get("tools"):
            name, _, raw = line[len("tool: "):].partition(" ")
            return [{"type": "tool_use", "id": "toolu_standin_1", "name": name,
                     "input": json.loads(raw)}], "tool_use"
        if line.startswith("run: ") and request.get("tools"):
            command = line[len("run: "):]
            return [{"type": "tool_use", "id": "toolu_standin_1", "name": "Bash",
                     "input": {"command": command, "description": "scripted test command"}}], "tool_use"
    return [{"type": "text", "text": "ok"}], "end_turn"


def sse(event, data):
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if LOG:
            with open(LOG, "a") as f:
                f.write(json.dumps({"path": self.path, "body": body}) + "\n")
        if self.path.startswith("/v1/messages/count_tokens"):
            return self.send_json({"input_tokens": 10})
        if not self.path.startswith("/v1/messages"):
            return self.send_json({"type": "error", "error": {"type": "not_found_error", "message": self.path}}, 404)
        blocks, stop = reply(body)
        model = body.get("model", "claude-stand-in")
        usage = {"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0}
        message = {"id": "msg_standin", "type": "message", "role": "assistant", "model": model,
                   "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}
        if not body.get("stream"):
            message.update(content=blocks, stop_reason=stop)
            return self.send_json(message)
        events = [sse("message_start", {"type": "message_start", "message": message})]
        for index, block in enumerate(blocks):
            if block["type"] == "tool_use":
                start = dict(block, input={})
                delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
            else:
                start = {"type": "text", "text": ""}
                delta = {"type": "text_delta", "text": block["text"]}
            events.append(sse("content_block_start", {"type": "content_block_start", "index": index, "content_block": start}))
            events.append(sse("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}))
            events.append(sse("content_block_stop", {"type": "content_block_stop", "index": index}))
        events.append(sse("message_delta", {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                                            "usage": {"output_tokens": 5}}))
        events.append(sse("message_stop", {"type": "message_stop"}))
        payload = b"".join(events)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self):
        self.send_json({})

    def do_HEAD(self):
        self.send_response(200)
        self.end_headers()

    def send_json(self, value, status=200):
        payload = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


LOG = None


def main():
    global LOG
    LOG = sys.argv[2] if len(sys.argv) > 2 else None
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()

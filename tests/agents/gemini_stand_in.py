#!/usr/bin/env python3
"""A scripted local stand-in for the Gemini API, so the real Gemini CLI runs
offline in tests (GOOGLE_GEMINI_BASE_URL=http://127.0.0.1:PORT).

A prompt `run: COMMAND` is answered with one `run_shell_command` call of
exactly COMMAND; the next request (which carries the functionResponse) ends
the turn with a text `TOOL_RESULT: <the response as JSON>`, so the client's
final answer shows what the hook did. Anything else gets a short text (also
the JSON the client's own side questions expect).

Usage: gemini_stand_in.py PORT_FILE   (binds 127.0.0.1 on a free port, writes it)
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answer(request):
    """The model's parts for a request."""
    contents = request.get("contents", [])
    last = contents[-1] if contents else {"parts": []}
    for part in last.get("parts", []):
        if "functionResponse" in part:
            result = json.dumps(part["functionResponse"].get("response"))
            return [{"text": f"TOOL_RESULT: {result}"}]
    text = "\n".join(p.get("text", "") for p in last.get("parts", []))
    for line in text.splitlines():
        if line.startswith("run: "):
            command = line[len("run: "):]
            return [{"functionCall": {"name": "run_shell_command",
                                      "args": {"command": command, "description": "test"}}}]
    # Side questions (next speaker, routing) want JSON; the user sees text.
    return [{"text": json.dumps({"next_speaker": "user", "reasoning": "done"})}]


def response(parts):
    return {
        "candidates": [{"content": {"role": "model", "parts": parts},
                        "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
        "modelVersion": "gemini-2.5-flash",
    }


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        try:
            request = json.loads(self.rfile.read(length) or b"{}")
        except ValueError:
            request = {}
        if ":countTokens" in self.path:
            body = json.dumps({"totalTokens": 1}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        reply = response(answer(request))
        if ":streamGenerateContent" in self.path:
            body = f"data: {json.dumps(reply)}\r\n\r\n".encode()
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
        else:
            body = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        body = json.dumps({"models": []}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
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

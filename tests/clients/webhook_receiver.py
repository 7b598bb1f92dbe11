"""A webhook receiver that checks every request with the Standard Webhooks reference
library (standardwebhooks on PyPI).

    webhook_receiver.py --port P --secret whsec_...

Listens on 127.0.0.1:P. Each POST is verified (signature, timestamp tolerance) with
`Webhook(secret).verify(body, headers)`: a valid one is answered 204, an invalid one
400. Prints one JSON line per request to stdout: {"verified", "id", "type", "asset_id",
"error"}; prints {"listening": P} first."""

import argparse
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    webhook = Webhook(args.secret)
    # Requests are handled on threads: one line at a time on stdout.
    printing = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k.lower(): v for k, v in self.headers.items()}
            line = {"id": headers.get("webhook-id")}
            try:
                payload = webhook.verify(body, headers)
                line.update(verified=True, type=payload["type"],
                            asset_id=payload["data"].get("id"))
                self.send_response(204)
            except WebhookVerificationError as error:
                line.update(verified=False, error=str(error))
                self.send_response(400)
            self.end_headers()
            with printing:
                print(json.dumps(line), flush=True)

        def log_message(self, *_):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(json.dumps({"listening": args.port}), flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())

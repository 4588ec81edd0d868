"""Another process answering quotes (tests/policies/test_quote_api_plain.py): ``THREADS``
threads post quotes to /api/quotes/ through the whole middleware stack, like the threads of
a web worker, and each prints the quote's id and premium the moment its answer is back.
The last line is the process's writer figures: Redis round trips and quotes written."""

from __future__ import annotations

import json
import sys
import threading

import django

THREADS = 8
QUOTES_EACH = 10
BODY = {
    "line": "third_party",
    "answers": {
        "vehicle_group": "pride",
        "usage": "personal",
        "production_year": 1398,
        "previous_insurer": "iran",
        "no_claim_years": 3,
        "days_since_expiry": 0,
        "extra_cover": "none",
    },
}


def main() -> None:
    django.setup()
    from django.test import Client

    from policies.services.quotes import quote_writer

    printing = threading.Lock()
    start = threading.Barrier(THREADS)

    def answer() -> None:
        client = Client()
        start.wait()
        for _ in range(QUOTES_EACH):
            response = client.post(
                "/api/quotes/", BODY, content_type="application/json", HTTP_HOST="localhost"
            )
            body = response.json()
            with printing:
                print(response.status_code, body.get("id"), body.get("premium"), flush=True)

    threads = [threading.Thread(target=answer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figures = {"round_trips": quote_writer.round_trips, "written": quote_writer.written}
    print("figures", json.dumps(figures), flush=True)


if __name__ == "__main__":
    sys.exit(main())

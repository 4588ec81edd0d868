"""Without a replica (the default) every read goes to the primary and no request is pinned
(decision 054)."""

from __future__ import annotations

from django.db import connections

from core.db import PIN_COOKIE, REPLICA, read_alias, replica


def test_without_a_replica_everything_reads_the_primary(client, db):
    assert REPLICA not in connections.settings
    with replica():
        assert read_alias() == "default"
    response = client.post("/", HTTP_HOST="localhost")
    assert PIN_COOKIE not in response.cookies

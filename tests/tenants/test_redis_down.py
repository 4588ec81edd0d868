"""Redis stopped: host routing reads the database; a change to an agency, whose cached
resolution could not be dropped, is refused and changes nothing."""

from __future__ import annotations

import pytest
import redis

from core.models import AuditLog
from tenants.models import Agency
from tenants.services import agency_set_status

pytestmark = pytest.mark.django_db


def test_agency_hosts_resolve_from_the_database(client, own_redis, agency, other_agency):
    assert client.get("/", HTTP_HOST="ar685.localhost").status_code == 200  # cached
    agency_set_status(agency=other_agency, status=Agency.Status.SUSPENDED, actor=None)
    own_redis.stop()

    warm = client.get("/", HTTP_HOST="ar685.localhost")
    assert warm.status_code == 200
    assert agency.name in warm.content.decode()
    suspended = client.get("/", HTTP_HOST="ar686.localhost")
    assert suspended.status_code == 410
    assert client.get("/", HTTP_HOST="ar999.localhost").status_code == 404
    assert client.get("/", HTTP_HOST="localhost").status_code == 200


def test_an_agency_change_is_refused_while_redis_is_down(own_redis, agency):
    own_redis.stop()
    with pytest.raises(redis.exceptions.ConnectionError):
        agency_set_status(agency=agency, status=Agency.Status.SUSPENDED, actor=None)
    agency.refresh_from_db()
    assert agency.status == Agency.Status.ACTIVE
    assert not AuditLog.objects.filter(action="agency.status").exists()

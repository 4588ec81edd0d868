"""Host routing cost (S-1.2): ``resolve_host`` warm and cold, and whole requests."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks._agencies import ensure_agencies
from benchmarks._report import Report, median, us
from tenants.hosts import host_cache_forget, resolve_host
from tenants.models import Agency

ORDER = 20
TITLE = "Host routing"
WARM_CALLS = 5000
COLD_CALLS = 1000
REQUESTS = 300


def _per_call(function, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - started) / calls


def _request_timings(client: Client, host: str, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get("/", HTTP_HOST=host)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200, (host, response.status_code)
    return timings


def _queries(client: Client, host: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get("/", HTTP_HOST=host)
    return len(captured.captured_queries)


def run(report: Report) -> None:
    ensure_agencies(1)
    agency = Agency.objects.order_by("-code").first()
    assert agency is not None
    host = f"ar{agency.code}.{settings.BASE_DOMAIN}"
    resolve_host(host)
    warm = _per_call(lambda: resolve_host(host), WARM_CALLS)

    def cold() -> None:
        host_cache_forget(host)
        resolve_host(host)

    forget_only = _per_call(lambda: host_cache_forget(host), COLD_CALLS)
    cold_call = _per_call(cold, COLD_CALLS) - forget_only
    with CaptureQueriesContext(connection) as warm_queries:
        resolve_host(host)
    host_cache_forget(host)
    with CaptureQueriesContext(connection) as cold_queries:
        resolve_host(host)
    report.add(f"resolve_host warm (cache hit, {WARM_CALLS} calls)", us(warm) + " per call")
    report.add("resolve_host warm, database queries per call", str(len(warm_queries)))
    report.add(f"resolve_host cold (cache miss, {COLD_CALLS} calls)", us(cold_call) + " per call")
    report.add("resolve_host cold, database queries per call", str(len(cold_queries)))

    client = Client()
    main_host = settings.BASE_DOMAIN
    for label, name in (("agency home", host), ("main home", main_host)):
        _request_timings(client, name, 10)  # warm caches, templates, connection
        timings = _request_timings(client, name, REQUESTS)
        report.add(f"GET / {label} ({name}), median of {REQUESTS}", us(median(timings)))
        report.add(f"GET / {label}, queries per warm request", str(_queries(client, name)))
    report.note(
        "Cold = the cached host entry is deleted before each call (its delete is measured "
        "separately and subtracted): a Redis miss, one Domain+Agency query and a Redis set. "
        "Warm = one Redis GET. Requests go through the Django test client and the whole "
        "middleware stack, with DEBUG off."
    )

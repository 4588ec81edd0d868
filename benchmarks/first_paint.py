"""First paint of the public pages on a throttled phone: Chromium driven by Playwright, with
the CPU slowed down and the network shaped through the DevTools protocol, against gunicorn
serving the product with production's static files (collected, hashed, compressed).

Each page is loaded ``RUNS`` times, each time in a fresh browser context (an empty cache,
a first visit), and the median ``first-contentful-paint`` is reported with what the page
loaded before it could paint (the resources Chromium marks render-blocking).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks._report import Report, median
from benchmarks.quote_api import ROOT, Server

ORDER = 70
TITLE = "Public pages on a phone"
RUNS = 5
SETTINGS = "benchmarks._pages_settings"
VIEWPORT = {"width": 390, "height": 844}
# A mid-range Android phone, as Lighthouse's mobile run: the CPU four times slower and
# "slow 4G" as DevTools applies it (RTT 562.5 ms, 1.44 Mbit/s down, 675 kbit/s up).
CPU_SLOWDOWN = 4
NETWORK = {
    "offline": False,
    "latency": 562.5,
    "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
    "uploadThroughput": 750 * 1024 / 8 * 0.9,
}
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]

# The first paint and, from the page's own resource timing, what blocked it.
MEASURE = """
() => new Promise((resolve) => {
  const report = (paint) => {
    const resources = performance.getEntriesByType("resource");
    const blocking = resources.filter((entry) => entry.renderBlockingStatus === "blocking");
    const navigation = performance.getEntriesByType("navigation")[0];
    resolve({
      fcp: paint.startTime,
      blocking: blocking.map((entry) => entry.name.split("/").pop()),
      blockingBytes: blocking.reduce((sum, entry) => sum + entry.transferSize, 0),
      scripts: resources.filter((entry) => entry.initiatorType === "script").length,
      bytes: navigation.transferSize + resources.reduce((sum, e) => sum + e.transferSize, 0),
    });
  };
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  if (paint) return report(paint);
  new PerformanceObserver((list) => {
    const entry = list.getEntriesByName("first-contentful-paint")[0];
    if (entry) report(entry);
  }).observe({ type: "paint", buffered: true });
})
"""


def _chromium() -> str | None:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).exists() else None


def _pages() -> list[tuple[str, str, str]]:
    """(label, host, path) of each page measured, with the data they show."""
    from django.conf import settings

    from benchmarks._agencies import create_one
    from policies.services.catalog import catalog_load
    from policies.services.quotes import quote_create

    catalog_load()
    agency = create_one()
    quote = quote_create(
        line="third_party",
        answers={
            "vehicle_group": "sedan4",
            "usage": "personal",
            "production_year": 1400,
            "previous_insurer": "iran",
            "no_claim_years": 3,
            "days_since_expiry": 0,
            "extra_cover": "none",
        },
        agency=None,
    )
    main = settings.BASE_DOMAIN
    return [
        ("main home", main, "/"),
        ("agency home", f"ar{agency.code}.{main}", "/"),
        ("lines", main, "/insurance/"),
        ("quote form (third-party motor)", main, "/insurance/third_party/"),
        ("quote result", main, f"/quotes/{quote.public_id}/"),
        ("verify form", main, "/verify/"),
    ]


def _collect_static(root: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "STATIC_ROOT": str(root),
    }
    subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def _load(browser: Any, url: str, *, throttled: bool) -> dict[str, Any]:
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=3,
        is_mobile=True,
        has_touch=True,
        user_agent=USER_AGENT,
        locale="fa-IR",
    )
    try:
        page = context.new_page()
        if throttled:
            session = context.new_cdp_session(page)
            session.send("Network.enable")
            session.send("Network.emulateNetworkConditions", NETWORK)
            session.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
        response = page.goto(url, wait_until="load", timeout=60_000)
        assert response is not None and response.status == 200, (url, response)
        return page.evaluate(MEASURE)
    finally:
        context.close()


def run(report: Report) -> None:
    chromium = _chromium()
    if chromium is None:
        report.note("Chromium is not installed: first paint not measured.")
        return
    from playwright.sync_api import sync_playwright

    pages = _pages()
    static_root = Path(tempfile.mkdtemp(prefix="bench-static-"))
    try:
        _collect_static(static_root)
        server = Server(
            "gthread",
            2,
            4,
            settings_module=SETTINGS,
            environment={"STATIC_ROOT": str(static_root)},
        )
        with server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=chromium, headless=True, args=CHROMIUM_ARGS
            )
            for label, host, path in pages:
                url = f"http://{host}:{server.port}{path}"
                _load(browser, url, throttled=False)  # the server's templates and caches warm
                samples = [_load(browser, url, throttled=True) for _ in range(RUNS)]
                fcp = median([sample["fcp"] for sample in samples])
                last = samples[-1]
                report.add(
                    f"{label} ({path}): first contentful paint, median of {RUNS}", f"{fcp:.0f} ms"
                )
                report.add(
                    f"{label}: render-blocking requests, their bytes; all bytes, scripts",
                    f"{len(last['blocking'])} ({', '.join(last['blocking'])}), "
                    f"{last['blockingBytes'] / 1024:.1f} KiB; "
                    f"{last['bytes'] / 1024:.1f} KiB, {last['scripts']}",
                )
            browser.close()
    finally:
        shutil.rmtree(static_root, ignore_errors=True)
    report.note(
        f"Chromium (Playwright) as a phone: {VIEWPORT['width']}×{VIEWPORT['height']} CSS px at "
        f"3× density, CPU slowed {CPU_SLOWDOWN}× (Emulation.setCPUThrottlingRate), network "
        f"shaped as DevTools' slow 4G (Network.emulateNetworkConditions: "
        f"{NETWORK['latency']} ms latency, "
        f"{NETWORK['downloadThroughput'] * 8 / 1_000_000:.2f} Mbit/s down). Every load is a "
        "first visit (fresh context, empty cache) after one unthrottled warm-up load."
    )
    report.note(
        "The server is gunicorn (2 gthread workers × 4 threads, DEBUG off) with static files "
        "collected by production's storage (hashed names, gzip and Brotli) and served by "
        "WhiteNoise, as in docker-compose. Render-blocking = Chromium's renderBlockingStatus "
        "of the page's resource timing entries; bytes are transfer sizes (compressed)."
    )

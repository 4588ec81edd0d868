"""SMS template rendering for bulk sends (decision 035): 100,000 recipients rendered from a
compiled template, each with its part count, from rows read beforehand (no query)."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django.utils import translation

from benchmarks._report import Report, us
from core.sms.parts import sms_size
from crm.models import BookPolicy, Customer
from messaging.placeholders import body_to_canonical
from messaging.rendering import AgencyFacts, Missing, Subject, compile_template

ORDER = 95
TITLE = "SMS template rendering"
RECIPIENTS = 100_000
TARGET_SECONDS = 5.0
BODY = (
    "{نام مشتری} عزیز، بیمه‌نامه {رشته بیمه} شماره {شماره بیمه‌نامه} در {تاریخ انقضا} "
    "({روز مانده تا انقضا} روز دیگر) به پایان می‌رسد. حق بیمه: {حق بیمه} ریال. "
    "تمدید: {لینک تمدید} {نام نمایندگی}"
)
LINES = {"third_party": "شخص ثالث", "motor": "بدنه خودرو", "fire": "آتش‌سوزی"}


def _subjects() -> list[Subject]:
    facts = AgencyFacts(
        name="نمایندگی خلیلی",
        phone="02188776655",
        site_url="https://ar685.bimeh.example/",
        line_names=LINES,
        today=dt.date(2027, 3, 1),
        quote_url_of=lambda code: f"https://ar685.bimeh.example/insurance/{code}/",
    )
    codes = list(LINES)
    subjects = []
    for n in range(RECIPIENTS):
        customer = Customer(first_name=f"مشتری{n}", last_name="کاظمی", party="person")
        policy = BookPolicy(
            customer=customer,
            line_code=codes[n % len(codes)],
            number=f"1405-97-{n:06d}",
            end_date=dt.date(2027, 3, 2) + dt.timedelta(days=n % 300),
            premium=Decimal(1_000_000 + n * 137),
        )
        subjects.append(Subject(customer=customer, agency=facts, policy=policy))
    return subjects


def run(report: Report) -> None:
    with translation.override("fa"):
        canonical = body_to_canonical(BODY)
    subjects = _subjects()
    started = time.perf_counter()
    template = compile_template(canonical)
    parts = 0
    skipped = 0
    for _subject, text in template.render_many(subjects):
        if isinstance(text, Missing):
            skipped += 1
            continue
        parts += sms_size(text).parts
    elapsed = time.perf_counter() - started
    assert skipped == 0, skipped
    report.add(
        f"{RECIPIENTS:,} renders with their part count",
        f"{elapsed:.2f} s",
        target=f"≤ {TARGET_SECONDS:.0f} s",
        passed=elapsed <= TARGET_SECONDS,
    )
    report.add("renders per second", f"{RECIPIENTS / elapsed:,.0f}")
    report.add("per render (with its part count)", us(elapsed / RECIPIENTS))
    report.add("parts in all", f"{parts:,} (about {parts / RECIPIENTS:.1f} a message)")
    report.note(
        "A renewal reminder with 8 placeholders (name, line, number, Jalali expiry, days "
        "left, premium, renewal link, agency); subjects are unsaved model rows, as a bulk "
        "send builds them from rows read beforehand (no query while rendering)."
    )

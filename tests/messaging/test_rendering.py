"""Placeholders and rendering (decision 035): Persian names both ways in any spelling, exact
values from real CRM rows, Missing instead of a broken text, and bulk rendering that asks the
database nothing per recipient."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import BookPolicy, Customer
from messaging.placeholders import body_to_canonical, body_to_written, placeholder_find
from messaging.rendering import AgencyFacts, Missing, Subject, compile_template, row
from messaging.selectors import preview_subject, subjects_for_policies
from tenants.hosts import agency_site_url
from tests.crm.conftest import inside
from tests.messaging.conftest import today

pytestmark = pytest.mark.django_db


def test_people_write_persian_names_in_any_spelling_and_the_database_keeps_keys():
    # Arabic yeh and kaf, a half-space left out, spaces inside the braces.
    written = "سلام {نام مشتري}، بيمه‌نامه { شماره بیمه نامه } تا {تاريخ انقضا}"
    canonical = body_to_canonical(written)
    assert canonical == "سلام {customer_name}، بیمه‌نامه {policy_number} تا {expiry_date}"
    assert body_to_written(canonical) == (
        "سلام {نام مشتری}، بیمه‌نامه {شماره بیمه‌نامه} تا {تاریخ انقضا}"
    )
    assert placeholder_find("نام مشتري").key == "customer_name"


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "سلام {نام مشتریان} عزیز",
            "متغیر {نام مشتریان} شناخته نیست؛ یکی از متغیرهای فهرست را انتخاب کنید.",
        ),
        ("سلام {customer_name}", "متغیر {customer_name} شناخته نیست"),
        ("سلام {نام مشتری عزیز", "«{نام مشتری عزیز»: آکولادی که متغیری را باز یا بسته نمی‌کند"),
        ("قیمت } است", "«} است»: آکولادی که متغیری را باز یا بسته نمی‌کند"),
    ],
)
def test_an_unknown_or_malformed_placeholder_is_named_in_persian(written, message):
    with pytest.raises(ValidationError) as refused:
        body_to_canonical(written)
    assert message in refused.value.message_dict["body"][0]


def _facts(**fields) -> AgencyFacts:
    values = {
        "name": "نمایندگی خلیلی",
        "phone": "02188776655",
        "site_url": "https://ar685.example/",
        "line_names": {"crm_motor": "بدنه خودرو"},
        "today": dt.date(2027, 3, 5),
        **fields,
    }
    return AgencyFacts(**values)


def test_a_subject_of_real_rows_renders_every_placeholder_with_persian_values(
    agency, insured, sale_line
):
    body = body_to_canonical(
        "{نام مشتری}|{نام}|{نام خانوادگی}|{شماره بیمه‌نامه}|{رشته بیمه}|{تاریخ انقضا}|"
        "{حق بیمه}|{مبلغ چک}|{سررسید چک}|{عنوان فعالیت}|{تاریخ فعالیت}|{ساعت فعالیت}|"
        "{شماره پرونده خسارت}|{مبلغ خسارت}|{نام نمایندگی}|{تلفن نمایندگی}|{سایت نمایندگی}|"
        "{لینک تمدید}"
    )
    agency.phone = "02188776655"
    with inside(agency):
        subject = preview_subject(agency=agency, customer=insured["customer"])
    text = compile_template(body).render(subject)
    assert text.split("|") == [
        "مریم کاظمی",
        "مریم",
        "کاظمی",
        "IR-778899",
        "بدنه خودرو",
        "۱۴۰۵/۱۲/۲۹",
        "۱۲٬۳۴۵٬۰۰۰",
        "۵٬۰۰۰٬۰۰۰",
        "۱۴۰۵/۰۹/۱۹",
        "بازدید خودرو",
        "۱۴۰۵/۰۹/۲۰",
        "۱۰:۳۰",
        "K-4521",
        "۸۰٬۰۰۰٬۰۰۰",
        "نمایندگی خلیلی",
        "02188776655",
        agency_site_url(agency),
        text.split("|")[-1],
    ]
    # The renewal link is renewals' (decision 043): the policy's link on the agency's site.
    assert text.split("|")[-1].startswith(agency_site_url(agency, "/renew/"))
    days = (insured["policy"].end_date - today()).days
    days_text = compile_template(body_to_canonical("{روز مانده تا انقضا}")).render(subject)
    assert days_text == str(days).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def test_an_empty_value_gives_missing_never_a_broken_text():
    template = compile_template(body_to_canonical("{نام} عزیز، بیمه‌نامه {شماره بیمه‌نامه}"))
    company = row({"party": "company", "first_name": "", "last_name": "", "company_name": "آلفا"})
    result = template.render(Subject(customer=company, agency=_facts()))
    assert isinstance(result, Missing)
    assert result.placeholders == ("first_name", "policy_number")
    assert result.labels == ["{نام}", "{شماره بیمه‌نامه}"]
    person = row({"party": "person", "first_name": "علی", "last_name": "", "company_name": ""})
    policy = row({"number": "P-1", "line_code": "x", "end_date": None, "premium": None})
    assert template.render(Subject(customer=person, agency=_facts(), policy=policy)) == (
        "علی عزیز، بیمه‌نامه P-1"
    )


def test_an_expired_policy_has_no_days_to_expiry():
    template = compile_template("{days_to_expiry}")
    person = row({"party": "person", "first_name": "علی", "last_name": "", "company_name": ""})
    policy = row({"end_date": dt.date(2027, 3, 1), "line_code": "x"})
    assert isinstance(template.render(Subject(person, _facts(), policy=policy)), Missing)
    policy.end_date = dt.date(2027, 3, 20)
    assert template.render(Subject(person, _facts(), policy=policy)) == "۱۵"


def _policies(agency, count: int, first: int = 0) -> None:
    with inside(agency):
        for n in range(first, first + count):
            customer = Customer.objects.create(
                first_name=f"مشتری{n}", last_name="تست", source="panel"
            )
            BookPolicy.objects.create(
                customer=customer,
                origin="other",
                insurer_code="iran",
                line_code="crm_motor" if n % 2 else "fire",
                number=f"N-{n}",
                end_date=dt.date(2027, 3, 20),
                premium=Decimal(1000 * (n + 1)),
            )


def test_bulk_subjects_cost_the_same_queries_for_3_and_30_and_rendering_costs_none(
    agency, sale_line
):
    template = compile_template(
        body_to_canonical("{نام مشتری}، {رشته بیمه} شماره {شماره بیمه‌نامه} ({حق بیمه})")
    )

    def build() -> tuple[int, list[Subject]]:
        with inside(agency), CaptureQueriesContext(connection) as queries:
            subjects = subjects_for_policies(agency=agency, policies=BookPolicy.objects.all())
        return len(queries), subjects

    _policies(agency, 3)
    few, subjects = build()
    _policies(agency, 27, first=3)
    many, subjects = build()
    assert len(subjects) == 30
    assert few == many
    with CaptureQueriesContext(connection) as rendering:
        results = [text for _subject, text in template.render_many(subjects)]
    assert len(rendering) == 0
    assert "مشتری1 تست، بدنه خودرو شماره N-1 (۲٬۰۰۰)" in results
    # "fire" is not in the catalog: no line name, so those recipients are skipped.
    assert sum(isinstance(result, Missing) for result in results) == 15


def test_a_placeholder_no_longer_registered_is_missing_and_shown_as_stored():
    template = compile_template("سلام {gone_placeholder}")
    person = row({"party": "person", "first_name": "علی", "last_name": "", "company_name": ""})
    result = template.render(Subject(person, _facts()))
    assert isinstance(result, Missing) and result.labels == ["{gone_placeholder}"]
    assert body_to_written("سلام {gone_placeholder}") == "سلام {gone_placeholder}"


def test_a_later_app_replaces_the_renewal_link_through_the_registry():
    from django.core.exceptions import ImproperlyConfigured

    from messaging.placeholders import POLICY, placeholder_get, placeholder_register

    original = placeholder_get("renewal_link")
    with pytest.raises(ImproperlyConfigured):
        placeholder_register(
            "renewal_link", original.label, POLICY, value=lambda s: "x", sample="x"
        )
    try:
        placeholder_register(
            "renewal_link",
            original.label,
            POLICY,
            value=lambda subject: f"https://r.example/{subject.extra['token']}",
            sample="https://r.example/abc",
            replaces=True,
        )
        template = compile_template(body_to_canonical("تمدید: {لینک تمدید}"))
        person = row({"party": "person", "first_name": "علی", "last_name": "", "company_name": ""})
        subject = Subject(person, _facts(), policy=row({"line_code": "x"}), extra={"token": "t1"})
        assert template.render(subject) == "تمدید: https://r.example/t1"
    finally:
        placeholder_register(
            "renewal_link",
            original.label,
            original.group,
            value=original.value,
            sample=original.sample,
            replaces=True,
        )

"""Stored text (decision 020): model fields normalise on every write, the data migrations
normalise what was stored before (public and every agency schema, twice = no change), and
searches compare search keys."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import Q
from django_tenants.utils import schema_context

from accounts.models import User
from core.forms import HtmlTextField, MultilineTextField, TextField
from core.text import SearchKey, search_filter
from policies.models import Order, SalesPlan
from settlement.models import CommissionPayout, CommissionStatement
from tenants.content.models import Banner, Page, SiteSettings
from tenants.models import Agency, Branch, ControlRequest
from tests.factories import create_user
from tests.policies.fixtures_sales import make_order

pytestmark = pytest.mark.django_db

ZWNJ = "\u200c"
RLM = "\u200f"


# ---- model fields ---------------------------------------------------------------------------


def test_save_update_bulk_create_and_lookups_store_one_spelling():
    branch = Branch.objects.create(code="B1", name=f"{RLM}شعبه  كرج", city="كرج")
    assert (branch.name, branch.city) == ("شعبه کرج", "کرج")  # the instance too
    assert Branch.objects.values_list("name", "city").get(pk=branch.pk) == ("شعبه کرج", "کرج")

    Branch.objects.filter(pk=branch.pk).update(city="علي\u200dآباد ")
    assert Branch.objects.values_list("city", flat=True).get(pk=branch.pk) == "علیآباد"

    Branch.objects.bulk_create([Branch(code="B2", name="شعبه ي")])
    assert Branch.objects.values_list("name", flat=True).get(code="B2") == "شعبه ی"

    # An exact lookup is normalised like the stored value.
    assert Branch.objects.filter(name="شعبه كرج").get() == branch


def test_multiline_fields_keep_new_lines(agency):
    request = ControlRequest.objects.create(
        agency=agency,
        kind=ControlRequest.Kind.SITE_DEACTIVATE,
        reason="بدهي   معوق\r\n\r\n\r\nپیگیري شد ",
        requested_by=create_user(),
    )
    assert ControlRequest.objects.get(pk=request.pk).reason == "بدهی معوق\n\nپیگیری شد"


def test_the_fields_are_plain_django_fields_to_migrations_and_normalising_to_forms():
    name = Branch._meta.get_field("name")
    assert name.deconstruct()[1] == "django.db.models.CharField"
    assert ControlRequest._meta.get_field("reason").deconstruct()[1] == (
        "django.db.models.TextField"
    )
    assert isinstance(name.formfield(), TextField)
    assert isinstance(ControlRequest._meta.get_field("reason").formfield(), MultilineTextField)
    assert isinstance(Page._meta.get_field("body").formfield(), HtmlTextField)


# ---- search ---------------------------------------------------------------------------------


def test_a_stored_search_key_follows_every_write():
    person = create_user(first_name="علی", last_name="کاظمی", mobile="09123334455")
    assert User.objects.values_list("search_key", flat=True).get(pk=person.pk) == (
        "علی\x1fکاظمی\x1f09123334455"
    )
    User.objects.filter(pk=person.pk).update(last_name="رضايي")
    assert User.objects.values_list("search_key", flat=True).get(pk=person.pk) == (
        "علی\x1fرضایی\x1f09123334455"
    )


@pytest.mark.parametrize(
    "query",
    ["علي", "كاظمي", "علی کاظمی", "کاظمی علی", f"{RLM}کاظمی", "۰۹۱۲۳۳۳", "٠٩١٢", "KAZEMI"],
)
def test_search_filter_on_a_stored_key_finds_every_spelling(query):
    found = create_user(first_name="علی", last_name="کاظمی Kazemi", mobile="09123334455")
    create_user(first_name="رضا", last_name="کاظم", mobile="09351112233")
    assert list(User.objects.filter(search_filter(query, "search_key"))) == [found]


def test_a_word_is_found_inside_one_column_and_never_across_two():
    create_user(first_name="علی", last_name="رضایی")
    assert not User.objects.filter(search_filter("علیرضایی", "search_key")).exists()
    both = User.objects.filter(search_filter("علی رضایی", "search_key"))
    assert both.count() == 1


def test_half_spaces_and_spaces_do_not_matter_to_a_search():
    for last_name in (f"می{ZWNJ}خواه", "میخواه", "می خواه"):
        create_user(last_name=last_name)
    for query in (f"می{ZWNJ}خواه", "میخواه"):
        assert User.objects.filter(search_filter(query, "search_key")).count() == 3


def test_search_key_computed_in_the_query_for_small_tables():
    karaj = Branch.objects.create(code="K1", name="شعبه مرکزی", city="کرج")
    Branch.objects.create(code="T1", name="شعبه مرکزی", city="تهران")
    key = SearchKey("code", "name", "city")
    assert list(Branch.objects.filter(search_filter("مركزي كرج", key))) == [karaj]
    assert list(Branch.objects.filter(search_filter("k1", key))) == [karaj]
    assert Branch.objects.filter(search_filter("", key)).count() == 2  # nothing typed: all
    assert search_filter("   ", key) == Q()


def test_a_like_wildcard_typed_into_a_search_is_a_plain_character():
    create_user(first_name="علی")
    assert not User.objects.filter(search_filter("%", "search_key")).exists()
    assert not User.objects.filter(search_filter("_", "search_key")).exists()


# ---- data migrations ------------------------------------------------------------------------

ARABIC_NAME = f"{RLM}علي  كاظمي{ZWNJ}"
NORMAL_NAME = "علی کاظمی"
ARABIC_NOTE = "دليل\u00a0اول\r\n\r\n\r\n\r\nپايان "
NORMAL_NOTE = "دلیل اول\n\nپایان"


def _raw_update(model, pk: int, **values: str) -> None:
    """Store values as an old version of the code would have: straight into the table."""
    table = model._meta.db_table
    columns = ", ".join(f'"{column}" = %s' for column in values)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET {columns} WHERE id = %s',  # noqa: S608 - test tables
            [*values.values(), pk],
        )


def _run_shared(migration: str) -> None:
    module = importlib.import_module(migration)
    for operation in module.Migration.operations:
        operation.code(None, SimpleNamespace(connection=connection))


def _run_tenant(migration: str) -> None:
    module = importlib.import_module(migration)
    with connection.cursor() as cursor:
        for operation in module.Migration.operations:
            for statement in operation.sql:
                cursor.execute(statement)


SHARED_MIGRATIONS = [
    "accounts.migrations.0003_normalise_names",
    "tenants.migrations.0003_normalise_texts",
    "policies.migrations.0004_normalise_texts",
    "settlement.migrations.0004_normalise_texts",
]


@pytest.fixture
def arabic_rows(agency, line, tariff, customer):
    """One row of every normalised public column, stored with Arabic letters, direction marks,
    stray half-spaces and runs of spaces."""
    actor = create_user()
    _raw_update(User, customer.pk, first_name=ARABIC_NAME, last_name=ARABIC_NAME)
    branch = Branch.objects.create(code="BR", name="x")
    _raw_update(Branch, branch.pk, name=ARABIC_NAME, city=ARABIC_NAME, province=ARABIC_NAME)
    _raw_update(
        Agency,
        agency.pk,
        name=ARABIC_NAME,
        address=ARABIC_NAME,
        city=ARABIC_NAME,
        province=ARABIC_NAME,
    )
    request = ControlRequest.objects.create(
        agency=agency, kind="site_off", reason="x", requested_by=actor
    )
    _raw_update(ControlRequest, request.pk, reason=ARABIC_NOTE, decision_note=ARABIC_NOTE)
    order = make_order(line=line, tariff=tariff, customer=customer, agency=agency)
    _raw_update(
        Order,
        order.pk,
        insured_first_name=ARABIC_NAME,
        insured_last_name=ARABIC_NAME,
        delivery_province=ARABIC_NAME,
        delivery_city=ARABIC_NAME,
        delivery_address=ARABIC_NAME,
        rejection_reason=ARABIC_NOTE,
    )
    plan = SalesPlan.objects.create(
        title="x",
        discount_percent=Decimal(10),
        starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 1, 31),
        submitted_by=actor,
    )
    _raw_update(SalesPlan, plan.pk, title=ARABIC_NAME, decision_note=ARABIC_NOTE)
    statement = CommissionStatement.objects.create(
        agency=agency,
        jalali_year=1405,
        jalali_month=1,
        period_start=dt.date(2026, 3, 21),
        period_end=dt.date(2026, 4, 20),
        commission_total=Decimal(1000),
    )
    payout = CommissionPayout.objects.create(
        statement=statement,
        agency=agency,
        amount=Decimal(100),
        paid_on=dt.date(2026, 5, 1),
        reference="R1",
        recorded_by=actor,
    )
    _raw_update(CommissionPayout, payout.pk, note=ARABIC_NAME)
    return {
        "user": customer.pk,
        "branch": branch.pk,
        "agency": agency.pk,
        "request": request.pk,
        "order": order.pk,
        "plan": plan.pk,
        "payout": payout.pk,
    }


def _public_values(rows) -> dict:
    return {
        "user": User.objects.values_list("first_name", "last_name").get(pk=rows["user"]),
        "branch": Branch.objects.values_list("name", "city", "province").get(pk=rows["branch"]),
        "agency": Agency.objects.values_list("name", "address", "city", "province").get(
            pk=rows["agency"]
        ),
        "request": ControlRequest.objects.values_list("reason", "decision_note").get(
            pk=rows["request"]
        ),
        "order": Order.objects.values_list(
            "insured_first_name",
            "insured_last_name",
            "delivery_province",
            "delivery_city",
            "delivery_address",
            "rejection_reason",
        ).get(pk=rows["order"]),
        "plan": SalesPlan.objects.values_list("title", "decision_note").get(pk=rows["plan"]),
        "payout": CommissionPayout.objects.values_list("note", flat=True).get(pk=rows["payout"]),
    }


def test_shared_data_migrations_normalise_every_column_once(arabic_rows):
    assert _public_values(arabic_rows)["user"] == (ARABIC_NAME, ARABIC_NAME)
    for migration in SHARED_MIGRATIONS:
        _run_shared(migration)
    expected = {
        "user": (NORMAL_NAME, NORMAL_NAME),
        "branch": (NORMAL_NAME,) * 3,
        "agency": (NORMAL_NAME,) * 4,
        "request": (NORMAL_NOTE, NORMAL_NOTE),
        "order": (NORMAL_NAME,) * 5 + (NORMAL_NOTE,),
        "plan": (NORMAL_NAME, NORMAL_NOTE),
        "payout": NORMAL_NAME,
    }
    assert _public_values(arabic_rows) == expected
    # The stored search key follows the rewritten names.
    assert User.objects.filter(search_filter("علی کاظمی", "search_key")).count() == 1

    # A second run finds nothing to change.
    from core.text.sql import normalize_table

    with connection.cursor() as cursor:
        assert normalize_table(cursor, "accounts_user", {"first_name": "line"}) == 0
        assert normalize_table(cursor, "policies_order", {"rejection_reason": "lines"}) == 0
    for migration in SHARED_MIGRATIONS:
        _run_shared(migration)
    assert _public_values(arabic_rows) == expected


def test_batches_cover_every_row_of_a_large_id_range():
    from core.text.sql import normalize_table

    first = Branch.objects.create(code="F", name="x")
    last = Branch.objects.create(code="L", name="x")
    Branch.objects.filter(pk=last.pk).update(id=first.pk + 25)  # a gap in the ids
    for pk in (first.pk, first.pk + 25):
        _raw_update(Branch, pk, name="شعبه ي")
    with connection.cursor() as cursor:
        changed = normalize_table(cursor, "tenants_branch", {"name": "line"}, batch_size=10)
    assert changed == 2
    assert set(Branch.objects.values_list("name", flat=True)) == {"شعبه ی"}


def _content_rows() -> tuple[int, int, int]:
    settings_row = SiteSettings.objects.create(headline="x")
    page = Page.objects.create(slug="normalised", title="x", body="x")
    banner = Banner.objects.create(title="x")
    html = f'<p dir="rtl">{ARABIC_NOTE}</p>\n<a href="/كتاب">ﻛتاب</a> '
    _raw_update(SiteSettings, settings_row.pk, headline=ARABIC_NAME, about_text=html)
    _raw_update(Page, page.pk, title=ARABIC_NAME, body=html)
    _raw_update(Banner, banner.pk, title=ARABIC_NAME)
    return settings_row.pk, page.pk, banner.pk


# The tags and the link's address untouched; text between tags keeps a space at its ends
# (it may separate two words), but no run of spaces.
NORMAL_HTML = '<p dir="rtl">دلیل اول\n\nپایان </p>\n<a href="/كتاب">کتاب</a>'


def _content_values(rows: tuple[int, int, int]) -> tuple:
    settings_pk, page_pk, banner_pk = rows
    return (
        SiteSettings.objects.values_list("headline", "about_text").get(pk=settings_pk),
        Page.objects.values_list("title", "body").get(pk=page_pk),
        Banner.objects.values_list("title", flat=True).get(pk=banner_pk),
    )


def test_tenant_data_migration_is_pure_sql_and_normalises_agency_and_main_site_content(agency):
    migration = "tenants.content.migrations.0002_normalise_texts"
    expected = ((NORMAL_NAME, NORMAL_HTML), (NORMAL_NAME, NORMAL_HTML), NORMAL_NAME)
    with schema_context(agency.schema_name):
        rows = _content_rows()
        _run_tenant(migration)
        assert _content_values(rows) == expected
        _run_tenant(migration)
        assert _content_values(rows) == expected
    public_rows = _content_rows()  # the main site's content lives in public
    _run_tenant(migration)
    assert _content_values(public_rows) == expected

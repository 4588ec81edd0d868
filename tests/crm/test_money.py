"""Cheques, promissory notes and debit notes (S-6.7): Decimal rials, Sayad ids, state
transitions checked in the service, audit; the panel's list, form, card include and
dashboard cards, with constant query counts and another agency's ids answering 404."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import set_urlconf

from core.errors import Conflict
from core.models import AuditLog
from crm.models import Instrument
from crm.selectors.money import customer_instruments, instrument_figures
from crm.services.customers import customer_create
from crm.services.money import instrument_create, instrument_transition, instrument_update
from tests.crm.conftest import crm_state, inside

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
DUE = dt.date(2026, 12, 10)


def _customer(agency, owner, first_name="علی", last_name="کاظمی"):
    return customer_create(
        agency=agency,
        actor=owner,
        first_name=first_name,
        last_name=last_name,
        allow_duplicates=True,
    )


def _cheque(agency, owner, customer, **fields):
    values = {"kind": "cheque", "amount": Decimal("5000000"), "due_date": DUE, **fields}
    return instrument_create(agency=agency, actor=owner, customer=customer, **values)


# ---- the service ---------------------------------------------------------------------------


def test_a_cheque_is_stored_in_decimal_rials_with_persian_digits_read_and_audited(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        cheque = _cheque(
            agency,
            owner,
            customer,
            amount="۱۲٬۳۴۵٬۰۰۰",
            sayad_id="۱۲۳۴ ۵۶۷۸ ۹۰۱۲ ۳۴۵۶",
            number="۹۸۷۶۵۴",
            bank_name="بانك ملي",
        )
        cheque.refresh_from_db()
        assert cheque.amount == Decimal("12345000")
        assert isinstance(cheque.amount, Decimal)
        assert (cheque.sayad_id, cheque.number, cheque.bank_name) == (
            "1234567890123456",
            "987654",
            "بانک ملی",
        )
        assert cheque.state == "due"
    log = AuditLog.objects.get(action="instrument.created")
    assert (log.actor, log.agency_id, log.target_type, log.target_id) == (
        owner,
        agency.pk,
        "crm.instrument",
        str(cheque.pk),
    )


@pytest.mark.parametrize(
    "amount,field",
    [("0", "amount"), ("-5", "amount"), ("12.5", "amount"), ("abc", "amount"), (None, "amount")],
)
def test_a_bad_amount_is_refused_in_persian_and_nothing_is_stored(agency, owner, amount, field):
    with inside(agency):
        customer = _customer(agency, owner)
        before = crm_state()
        with pytest.raises(ValidationError) as refused:
            _cheque(agency, owner, customer, amount=amount)
        assert field in refused.value.message_dict
        assert re.search("[آ-ی]", refused.value.message_dict[field][0])
        assert crm_state() == before


def test_a_float_amount_is_a_programming_error(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        with pytest.raises(TypeError):
            _cheque(agency, owner, customer, amount=5000.0)


def test_the_sayad_id_is_16_digits_and_unique(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        with pytest.raises(ValidationError) as short:
            _cheque(agency, owner, customer, sayad_id="۱۲۳۴۵")
        assert short.value.message_dict["sayad_id"] == ["شناسه صیادی ۱۶ رقم است."]
        _cheque(agency, owner, customer, sayad_id="1234567890123456")
        before = crm_state()
        with pytest.raises(ValidationError) as taken:
            _cheque(agency, owner, customer, sayad_id="۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶")
        assert "sayad_id" in taken.value.message_dict
        assert crm_state() == before


ALLOWED = [
    ("due", "cleared"),
    ("due", "bounced"),
    ("due", "returned"),
    ("bounced", "cleared"),
    ("bounced", "returned"),
]
REFUSED = [
    ("cleared", "due"),
    ("cleared", "bounced"),
    ("cleared", "returned"),
    ("returned", "due"),
    ("returned", "cleared"),
    ("bounced", "due"),
]


def _into(agency, owner, instrument, path):
    for state in path:
        instrument = instrument_transition(
            agency=agency, actor=owner, instrument=instrument, state=state
        )
    return instrument


@pytest.mark.parametrize("start,target", ALLOWED)
def test_allowed_transitions_are_made_and_audited(agency, owner, start, target):
    with inside(agency):
        cheque = _cheque(agency, owner, _customer(agency, owner))
        cheque = _into(agency, owner, cheque, [start] if start != "due" else [])
        moved = instrument_transition(agency=agency, actor=owner, instrument=cheque, state=target)
        moved.refresh_from_db()
        assert moved.state == target
        assert moved.state_changed_at is not None
    log = AuditLog.objects.filter(action="instrument.state_changed").latest("id")
    assert log.changes == {"state": [start, target]}


@pytest.mark.parametrize("start,target", REFUSED)
def test_other_transitions_are_refused_and_nothing_changes(agency, owner, start, target):
    with inside(agency):
        cheque = _cheque(agency, owner, _customer(agency, owner))
        cheque = _into(agency, owner, cheque, [start] if start != "bounced" else ["bounced"])
        before = crm_state()
        audits = AuditLog.objects.count()
        with pytest.raises(Conflict) as refused:
            instrument_transition(agency=agency, actor=owner, instrument=cheque, state=target)
        assert re.search("[آ-ی]", refused.value.messages[0])
        assert crm_state() == before
        assert AuditLog.objects.count() == audits


def test_only_a_cheque_bounces_and_the_same_state_again_changes_nothing(agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
        note = _cheque(agency, owner, customer, kind="promissory")
        with pytest.raises(Conflict):
            instrument_transition(agency=agency, actor=owner, instrument=note, state="bounced")
        cheque = _cheque(agency, owner, customer)
        _into(agency, owner, cheque, ["cleared"])
        audits = AuditLog.objects.count()
        instrument_transition(agency=agency, actor=owner, instrument=cheque, state="cleared")
        assert AuditLog.objects.count() == audits


def test_update_changes_details_and_fixes_the_amount_once_settled(agency, owner):
    with inside(agency):
        cheque = _cheque(agency, owner, _customer(agency, owner))
        instrument_update(
            agency=agency, actor=owner, instrument=cheque, amount="۷۰۰۰۰۰۰", branch_name="ونك"
        )
        cheque.refresh_from_db()
        assert (cheque.amount, cheque.branch_name) == (Decimal("7000000"), "ونک")
        assert AuditLog.objects.get(action="instrument.updated").changes == {
            "amount": ["5000000", "7000000"],
            "branch_name": ["", "ونک"],
        }
        _into(agency, owner, cheque, ["cleared"])
        before = crm_state()
        with pytest.raises(Conflict):
            instrument_update(agency=agency, actor=owner, instrument=cheque, amount="1")
        assert crm_state() == before
        instrument_update(agency=agency, actor=owner, instrument=cheque, notes="پاس شد")
        cheque.refresh_from_db()
        assert cheque.notes == "پاس شد"


# ---- the pages -----------------------------------------------------------------------------


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def _fill(agency, owner, count: int, *, start: int = 0):
    with inside(agency):
        customer = _customer(agency, owner, first_name=f"مشتری{start}")
        for index in range(start, start + count):
            _cheque(
                agency,
                owner,
                customer,
                kind="cheque" if index % 2 else "promissory",
                due_date=DUE + dt.timedelta(days=index),
            )
    return customer


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HOST=PANEL)
    assert response.status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_for_3_and_40_rows(owner_client, agency, owner):
    _fill(agency, owner, 3)
    _queries(owner_client, "/cheques/")  # the first request fills caches (host, session)
    few = _queries(owner_client, "/cheques/")
    _fill(agency, owner, 37, start=3)
    many = _queries(owner_client, "/cheques/")
    assert few == many
    assert many <= 12


def test_the_list_filters_by_kind_state_jalali_due_range_and_customer(owner_client, agency, owner):
    first = _fill(agency, owner, 4)
    second = _fill(agency, owner, 2, start=10)
    with inside(agency):
        bounced = Instrument.objects.filter(customer=first, kind="cheque").first()
        instrument_transition(agency=agency, actor=owner, instrument=bounced, state="bounced")

    def listed(query: str) -> set[int]:
        html = owner_client.get(f"/cheques/{query}", HTTP_HOST=PANEL).content.decode()
        return {int(pk) for pk in re.findall(r'<tr id="instrument-(\d+)"', html)}

    with inside(agency):
        everything = set(Instrument.objects.values_list("pk", flat=True))
        cheques = set(Instrument.objects.filter(kind="cheque").values_list("pk", flat=True))
        of_second = set(second.instruments.values_list("pk", flat=True))
        # DUE is 1405/09/19; the first customer's run from there for four days.
        early = set(
            Instrument.objects.filter(due_date__lte=DUE + dt.timedelta(days=1)).values_list(
                "pk", flat=True
            )
        )
    assert listed("") == everything
    assert listed("?kind=cheque") == cheques
    assert listed("?state=bounced") == {bounced.pk}
    assert listed("?due_to=۱۴۰۵/۰۹/۲۰") == early
    assert listed(f"?customer={second.pk}") == of_second
    assert listed("?q=مشتری10") == of_second
    page = owner_client.get("/cheques/?due_from=1405/13/40", HTTP_HOST=PANEL).content.decode()
    assert "تاریخ" in page  # the Jalali field's Persian error


def test_the_form_for_a_customer_records_a_cheque_typed_in_persian(owner_client, agency, owner):
    with inside(agency):
        customer = _customer(agency, owner)
    url = f"/cheques/customer/{customer.pk}/new/"
    page = owner_client.get(url, HTTP_HOST=PANEL)
    assert page.status_code == 200
    assert "علی کاظمی" in page.content.decode()
    response = owner_client.post(
        url,
        {
            "kind": "cheque",
            "amount": "۲۵٬۰۰۰٬۰۰۰",
            "due_date": "۱۴۰۵/۱۰/۰۱",
            "sayad_id": "۱۱۱۱۲۲۲۲۳۳۳۳۴۴۴۴",
        },
        HTTP_HOST=PANEL,
    )
    assert response.status_code == 302
    with inside(agency):
        cheque = Instrument.objects.get()
    assert (cheque.amount, cheque.due_date, cheque.sayad_id) == (
        Decimal("25000000"),
        dt.date(2026, 12, 22),
        "1111222233334444",
    )
    refused = owner_client.post(
        url, {"kind": "cheque", "amount": "۰", "due_date": "۱۴۰۵/۱۰/۰۱"}, HTTP_HOST=PANEL
    )
    assert refused.status_code == 200
    assert "مبلغ باید بیشتر از صفر باشد." in refused.content.decode()


def test_state_buttons_move_an_instrument(owner_client, agency, owner):
    with inside(agency):
        cheque = _cheque(agency, owner, _customer(agency, owner))
    page = owner_client.get(f"/cheques/{cheque.pk}/", HTTP_HOST=PANEL).content.decode()
    assert f'id="instrument-{cheque.pk}-bounced"' in page
    owner_client.post(f"/cheques/{cheque.pk}/state/", {"state": "bounced"}, HTTP_HOST=PANEL)
    owner_client.post(f"/cheques/{cheque.pk}/state/", {"state": "due"}, HTTP_HOST=PANEL)
    with inside(agency):
        cheque.refresh_from_db()
    assert cheque.state == "bounced"


def test_another_agencys_member_gets_404_for_every_url_with_an_id(
    client, agency, owner, other_agency
):
    with inside(agency):  # A's ids run past anything B's schema holds
        customers = [_customer(agency, owner, first_name=f"الف{n}") for n in range(3)]
        cheques = [_cheque(agency, owner, customers[-1]) for _n in range(3)]
    b_owner = other_agency.memberships.get().user
    with inside(other_agency):
        _cheque(other_agency, b_owner, _customer(other_agency, b_owner, first_name="بی"))
    client.force_login(b_owner)
    customer, cheque = customers[-1], cheques[-1]
    for url in (
        f"/cheques/customer/{customer.pk}/new/",
        f"/cheques/{cheque.pk}/",
        f"/cheques/{cheque.pk}/state/",
    ):
        assert client.get(url, HTTP_HOST=PANEL).status_code in (404, 405)
        assert client.post(url, {"state": "cleared"}, HTTP_HOST=PANEL).status_code == 404
    listed = client.get("/cheques/", HTTP_HOST=PANEL).content.decode()
    assert "الف2" not in listed
    with inside(agency):
        assert set(Instrument.objects.values_list("state", flat=True)) == {"due"}


def test_the_card_include_lists_a_customers_open_instruments_first_in_constant_queries(
    rf, agency, owner
):
    with inside(agency):
        customer = _customer(agency, owner)
        old = _cheque(agency, owner, customer, due_date=DUE - dt.timedelta(days=30))
        instrument_transition(agency=agency, actor=owner, instrument=old, state="cleared")
        bounced = _cheque(agency, owner, customer, due_date=DUE + dt.timedelta(days=5))
        instrument_transition(agency=agency, actor=owner, instrument=bounced, state="bounced")
        due = _cheque(agency, owner, customer, kind="debit_note")
        with CaptureQueriesContext(connection) as queries:
            instruments = customer_instruments(customer_id=customer.pk)
            set_urlconf("config.urls_panel")  # the card is a page of the panel host
            try:
                html = render_to_string(
                    "crm/money/_card_instruments.html",
                    {"customer": customer, "instruments": instruments},
                )
            finally:
                set_urlconf(None)
        assert len(queries) == 1
    assert [item.pk for item in instruments] == [due.pk, bounced.pk, old.pk]
    assert f'href="/cheques/customer/{customer.pk}/new/"' in html
    assert "برگشت" in html


def test_the_dashboard_counts_what_is_due_within_a_week_and_what_bounced(
    owner_client, agency, owner
):
    with inside(agency):
        customer = _customer(agency, owner)
        today = dt.date(2026, 12, 1)
        for days in (0, 3, 7, 8, -1):
            _cheque(agency, owner, customer, due_date=today + dt.timedelta(days=days))
        bounced = _cheque(agency, owner, customer, amount="900")
        instrument_transition(agency=agency, actor=owner, instrument=bounced, state="bounced")
        figures = instrument_figures(today=today)
    assert (figures["due_soon"], figures["due_soon_amount"]) == (3, Decimal("15000000"))
    assert (figures["bounced"], figures["bounced_amount"]) == (1, Decimal("900"))
    page = owner_client.get("/", HTTP_HOST=PANEL).content.decode()
    assert 'id="card-instruments_bounced" data-value="1"' in page
    assert "چک‌های برگشتی" in page

"""Customer ranking (S-6.4): measures from the book, claims and cheques, normalised and
weighted in one statement; bands by percentile; a bounced cheque and the weights change the
order; a recompute run twice writes nothing the second time; the weights page and tasks."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext

from core.models import AuditLog
from crm.models import BookPolicy, ClaimRecord, Customer, CustomerRank, Instrument, RankingWeights
from crm.services.merge import customer_merge
from crm.services.ranking import ranking_recompute, ranking_weights_update
from crm.tasks import crm_ranking_nightly, crm_ranking_recompute
from tests.crm.conftest import crm_state, inside

pytestmark = pytest.mark.django_db

PANEL = "panel.localhost"
_policy_ids = itertools.count(10_000)


def person(name: str) -> Customer:
    return Customer.objects.create(first_name=name, last_name="آزمون", kind="definite")


def sold(customer: Customer, premium: str, *, times: int = 1, **fields) -> None:
    for _n in range(times):
        BookPolicy.objects.create(
            customer=customer,
            origin=fields.get("origin", "ledger"),
            policy_id=None if fields.get("origin") == "other" else next(_policy_ids),
            insurer_code="asia" if fields.get("origin") == "other" else "",
            line_code="third_party",
            premium=Decimal(premium),
            commission=fields.get("commission"),
            state=fields.get("state", "active"),
        )


def bounce(customer: Customer) -> Instrument:
    return Instrument.objects.create(
        customer=customer,
        kind="cheque",
        amount=Decimal("1000000"),
        due_date=dt.date(2026, 11, 1),
        state="bounced",
    )


def claim(customer: Customer, paid: str) -> None:
    ClaimRecord.objects.create(
        customer=customer,
        filed_at=dt.date(2026, 10, 1),
        state="paid",
        paid_amount=Decimal(paid),
        paid_at=dt.date(2026, 10, 20),
    )


def ranks() -> dict[str, CustomerRank]:
    return {
        rank.customer.first_name: rank for rank in CustomerRank.objects.select_related("customer")
    }


def order() -> list[str]:
    return list(
        CustomerRank.objects.order_by("-score", "customer__first_name").values_list(
            "customer__first_name", flat=True
        )
    )


def test_measures_come_from_own_sales_claims_and_bounced_cheques(agency):
    with inside(agency):
        ali = person("علی")
        sold(ali, "1000", times=2, commission=Decimal("100"))
        sold(ali, "5000", state="cancelled")  # a cancelled sale does not count
        sold(ali, "7000", origin="other")  # held with another insurer: not the agency's sale
        claim(ali, "500")
        bounce(ali)
        Instrument.objects.create(  # cleared cheques do not count
            customer=ali, kind="cheque", amount=Decimal("5"), due_date=dt.date(2026, 1, 1)
        )
        result = ranking_recompute(agency=agency)
        rank = CustomerRank.objects.get(customer=ali)
    assert (result.customers, result.changed) == (1, 1)
    assert (
        rank.premium_paid,
        rank.purchase_count,
        rank.commission,
        rank.claims_paid,
        rank.loss_ratio,
        rank.bounced_cheques,
    ) == (Decimal("2000"), 2, Decimal("200"), Decimal("500"), Decimal("0.2500"), 1)


def _pair(agency):
    """Two customers alike in every measure, and three smaller ones."""
    with inside(agency):
        good, bad = person("خوش‌حساب"), person("بدحساب")
        for customer in (good, bad):
            sold(customer, "9000000", times=3)
        for index, name in enumerate(("کوچک۱", "کوچک۲", "کوچک۳")):
            sold(person(name), str(1000 * (index + 1)))
    return good, bad


def test_a_bounced_cheque_lowers_the_rank(agency):
    good, bad = _pair(agency)
    with inside(agency):
        ranking_recompute(agency=agency)
        before = ranks()
        assert before["خوش‌حساب"].score == before["بدحساب"].score
        bounce(bad)
        ranking_recompute(agency=agency)
        after = ranks()
        assert order()[0] == "خوش‌حساب"
    assert after["بدحساب"].score < after["خوش‌حساب"].score
    assert after["بدحساب"].score < before["بدحساب"].score
    assert after["بدحساب"].bounced_cheques == 1


def test_a_bounced_cheque_cleared_later_no_longer_counts(agency, owner):
    from crm.services.money import instrument_transition

    good, bad = _pair(agency)
    with inside(agency):
        cheque = bounce(bad)
        ranking_recompute(agency=agency)
        assert ranks()["بدحساب"].score < ranks()["خوش‌حساب"].score
        instrument_transition(agency=agency, actor=owner, instrument=cheque, state="cleared")
        ranking_recompute(agency=agency)
        assert ranks()["بدحساب"].score == ranks()["خوش‌حساب"].score


def test_claims_and_loss_ratio_are_subtracted(agency):
    good, bad = _pair(agency)
    with inside(agency):
        claim(bad, "20000000")
        ranking_recompute(agency=agency)
        rank = ranks()
    assert rank["بدحساب"].loss_ratio == Decimal("0.7407")
    assert rank["بدحساب"].score < rank["خوش‌حساب"].score


def test_changing_the_weights_changes_the_order(agency, owner, django_capture_on_commit_callbacks):
    with inside(agency):
        big, loyal = person("درشت"), person("وفادار")
        sold(big, "50000000")
        sold(loyal, "1000000", times=6)
        ranking_recompute(agency=agency)
        # Default weights: one leads on premium, the other on purchases — a tie.
        assert ranks()["درشت"].score == ranks()["وفادار"].score
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            ranking_weights_update(agency=agency, actor=owner, premium_paid="۵", purchase_count="0")
        assert len(callbacks) == 1  # the recompute, queued on commit (run eagerly here)
        assert order() == ["درشت", "وفادار"]
        with django_capture_on_commit_callbacks(execute=True):
            ranking_weights_update(agency=agency, actor=owner, premium_paid="0", purchase_count="5")
        assert order() == ["وفادار", "درشت"]
    log = AuditLog.objects.filter(action="ranking.weights_changed").latest("id")
    assert log.changes == {
        "premium_paid": ["5.000", "0.000"],
        "purchase_count": ["0.000", "5.000"],
    }


def test_bands_follow_the_percentages(agency, owner):
    with inside(agency):
        for index in range(10):
            sold(person(f"م{index:02d}"), str(1000 * (index + 1)))
        ranking_weights_update(
            agency=agency, actor=owner, band_a_percent=20, band_b_percent=30, band_c_percent=30
        )
        ranking_recompute(agency=agency)
        bands = [rank.band for rank in CustomerRank.objects.order_by("-score")]
    assert bands == ["A", "A", "B", "B", "B", "C", "C", "C", "D", "D"]


def test_a_recompute_run_twice_writes_nothing_the_second_time(agency):
    _pair(agency)
    with inside(agency):
        bounce(Customer.objects.get(first_name="بدحساب"))
        first = ranking_recompute(agency=agency)
        before = crm_state()
        second = ranking_recompute(agency=agency)
        assert crm_state() == before
    assert (first.changed, second.changed) == (5, 0)


def test_a_merged_customer_keeps_no_rank(agency, owner):
    good, bad = _pair(agency)
    with inside(agency):
        ranking_recompute(agency=agency)
        customer_merge(agency=agency, actor=owner, survivor=good, merged=bad)
        ranking_recompute(agency=agency)
        assert not CustomerRank.objects.filter(customer=bad).exists()
        assert CustomerRank.objects.get(customer=good).purchase_count == 6


def test_weights_are_checked(agency, owner):
    with inside(agency):
        before = crm_state()
        for fields in (
            {"premium_paid": "-1"},
            {"premium_paid": "101"},
            {"loss_ratio": "abc"},
            {"band_a_percent": 50, "band_b_percent": 40, "band_c_percent": 20},
        ):
            with pytest.raises(ValidationError):
                ranking_weights_update(agency=agency, actor=owner, **fields)
        assert crm_state() == before


def test_the_task_runs_in_its_agency_and_twice_changes_nothing(agency, other_agency):
    _pair(agency)
    with inside(other_agency):
        person("دیگری")
    assert crm_ranking_recompute.apply(args=(agency.schema_name,)).get() == 5
    with inside(agency):
        before = crm_state()
    assert crm_ranking_recompute.apply(args=(agency.schema_name,)).get() == 0
    with inside(agency):
        assert crm_state() == before
    with inside(other_agency):
        assert not CustomerRank.objects.exists()


def test_the_nightly_beat_fans_out_one_recompute_per_agency(agency, other_agency):
    _pair(agency)
    with inside(other_agency):
        person("دیگری")
    assert crm_ranking_nightly.apply().get() == 2
    with inside(agency):
        assert CustomerRank.objects.count() == 5
    with inside(other_agency):
        assert CustomerRank.objects.count() == 1
    assert crm_ranking_nightly.apply().get() == 2  # again: nothing changes, nothing fails


# ---- the pages -----------------------------------------------------------------------------


def test_the_weights_page_is_for_owners_and_managers(client, agency, owner, staff_member):
    client.force_login(staff_member.user)
    assert client.get("/ranking/", HTTP_HOST=PANEL).status_code == 403
    assert client.post("/ranking/recompute/", HTTP_HOST=PANEL).status_code == 403
    client.force_login(owner)
    page = client.get("/ranking/", HTTP_HOST=PANEL)
    assert page.status_code == 200
    assert "وزن‌ها" in page.content.decode()


def test_saving_the_weights_recomputes(client, agency, owner, django_capture_on_commit_callbacks):
    _pair(agency)
    client.force_login(owner)
    data = {
        "premium_paid": "۲",
        "purchase_count": "1",
        "commission": "1",
        "claims_paid": "1",
        "loss_ratio": "1",
        "bounced_cheques": "۳٫۵",
        "band_a_percent": "۲۰",
        "band_b_percent": "20",
        "band_c_percent": "30",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/ranking/", data, HTTP_HOST=PANEL)
    assert response.status_code == 302
    with inside(agency):
        weights = RankingWeights.objects.get()
        assert (weights.premium_paid, weights.bounced_cheques, weights.band_a_percent) == (
            Decimal("2"),
            Decimal("3.5"),
            20,
        )
        assert CustomerRank.objects.count() == 5
    refused = client.post(
        "/ranking/", {**data, "band_a_percent": "60", "band_b_percent": "30"}, HTTP_HOST=PANEL
    )
    assert refused.status_code == 200
    assert "نمی‌تواند از ۱۰۰ بیشتر باشد" in refused.content.decode()


def test_the_recompute_button_queues_the_task(
    client, agency, owner, django_capture_on_commit_callbacks
):
    _pair(agency)
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/ranking/recompute/", HTTP_HOST=PANEL).status_code == 302
    with inside(agency):
        assert CustomerRank.objects.count() == 5
    page = client.get("/ranking/", HTTP_HOST=PANEL).content.decode()
    assert 'id="band-A" data-count="' in page


def test_the_weights_page_costs_the_same_queries_for_few_and_many_ranks(client, agency, owner):
    client.force_login(owner)
    with inside(agency):
        sold(person("یک"), "1000")
        ranking_recompute(agency=agency)
    client.get("/ranking/", HTTP_HOST=PANEL)
    with CaptureQueriesContext(connection) as few:
        client.get("/ranking/", HTTP_HOST=PANEL)
    with inside(agency):
        for index in range(30):
            sold(person(f"ن{index}"), str(1000 + index))
        ranking_recompute(agency=agency)
    with CaptureQueriesContext(connection) as many:
        client.get("/ranking/", HTTP_HOST=PANEL)
    assert len(few) == len(many) <= 12


def test_another_agency_sees_only_its_own_bands(client, agency, other_agency):
    _pair(agency)
    with inside(agency):
        ranking_recompute(agency=agency)
    client.force_login(other_agency.memberships.get().user)
    page = client.get("/ranking/", HTTP_HOST=PANEL).content.decode()
    assert 'id="band-A" data-count="0"' in page
    assert 'id="band-D" data-count="0"' in page


def test_the_band_badge_shows_the_persian_label_without_a_query(agency):
    _pair(agency)
    with inside(agency):
        ranking_recompute(agency=agency)
        person("تازه")
        customers = list(Customer.objects.select_related("rank").order_by("id"))
        template = Template(
            "{% load crm_ranking %}{% for c in customers %}{% customer_band c %}{% endfor %}"
        )
        with CaptureQueriesContext(connection) as queries:
            html = template.render(Context({"customers": customers}))
    assert len(queries) == 0
    assert "رتبه ج" in html  # the two tied at the top of five are the top 40%
    assert "هنوز رتبه‌بندی نشده" in html


def test_the_benchmark_generator_fills_a_schema_that_ranks(agency):
    from benchmarks._crm_ranking_data import crm_fill

    data = crm_fill(agency.schema_name, customers=200, policies=300)
    assert (data.customers, data.policies, data.claims) == (200, 300, 15)
    assert data.bounced == 4
    with inside(agency):
        result = ranking_recompute(agency=agency)
        assert (result.customers, result.changed) == (200, 200)
        assert set(CustomerRank.objects.values_list("band", flat=True)) <= {"A", "B", "C", "D"}
        assert CustomerRank.objects.filter(bounced_cheques__gt=0).count() == 4

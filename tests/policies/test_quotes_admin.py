"""The catalog's admin: a draft's rules are checked like a file; used versions are read-only."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies.models import Line, TariffRule
from policies.services.catalog import tariff_version_import
from policies.services.quotes import quote_create
from tests.factories import create_user

pytestmark = pytest.mark.django_db
TARIFFS = Path(__file__).resolve().parents[2] / "policies" / "tariffs"


@pytest.fixture
def staff_client(client):
    client.force_login(create_user(is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def draft(catalog):
    line = Line.objects.get(code="travel")
    text = (TARIFFS / "travel-v1.csv").read_text(encoding="utf-8")
    return tariff_version_import(line=line, text=text)


def _formset(version, **changes):
    data = {
        "rules-TOTAL_FORMS": str(version.rules.count()),
        "rules-INITIAL_FORMS": str(version.rules.count()),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for index, rule in enumerate(version.rules.order_by("position")):
        row = {
            "id": rule.pk,
            "version": version.pk,
            "position": rule.position,
            "code": rule.code,
            "label": rule.label,
            "kind": rule.kind,
            "question": rule.question,
            "basis": rule.basis,
            "table": json.dumps(rule.table, ensure_ascii=False),
            "params": json.dumps(rule.params, ensure_ascii=False),
        }
        row.update(changes.get(rule.code, {}))
        data.update({f"rules-{index}-{key}": value for key, value in row.items()})
    return data


def test_a_drafts_rules_are_checked_like_an_imported_file(staff_client, draft):
    url = f"/admin/policies/tariffversion/{draft.pk}/change/"
    bad = staff_client.post(
        url, _formset(draft, age={"table": json.dumps({"0-12": "half"})}), HTTP_HOST="localhost"
    )
    assert bad.status_code == 200
    assert "سطر 3: «half» برای «0-12» عدد نیست." in bad.content.decode()
    assert draft.rules.get(code="age").table["0-12"] == "0.5"
    good = staff_client.post(
        url,
        _formset(draft, age={"table": json.dumps({"0-12": "0.6", "13-80": "1"})}),
        HTTP_HOST="localhost",
    )
    assert good.status_code == 302
    assert draft.rules.get(code="age").table == {"0-12": "0.6", "13-80": "1"}


def test_an_active_versions_rules_cannot_be_changed(staff_client, catalog):
    line = Line.objects.get(code="travel")
    active = line.tariff_versions.get(status="active")
    quote_create(line=line, answers={"zone": "asia", "duration": "7", "age": "30"}, agency=None)
    before = list(TariffRule.objects.filter(version=active).values_list("code", "table"))
    page = staff_client.get(
        f"/admin/policies/tariffversion/{active.pk}/change/", HTTP_HOST="localhost"
    )
    assert page.status_code == 200
    assert 'name="rules-0-table"' not in page.content.decode()
    staff_client.post(
        f"/admin/policies/tariffversion/{active.pk}/change/",
        _formset(active, base={"table": json.dumps({"*": "1"})}),
        HTTP_HOST="localhost",
    )
    assert list(TariffRule.objects.filter(version=active).values_list("code", "table")) == before


def test_the_quote_list_is_read_only_and_does_not_grow_in_queries(
    staff_client, catalog, agency, django_assert_max_num_queries
):
    answers = {"zone": "asia", "duration": "7", "age": "30"}
    for site in (None, agency, None):
        quote_create(line="travel", answers=answers, agency=site)
    staff_client.get("/admin/policies/quote/", HTTP_HOST="localhost")
    with django_assert_max_num_queries(12):
        page = staff_client.get("/admin/policies/quote/", HTTP_HOST="localhost")
    assert page.status_code == 200
    assert "/admin/policies/quote/add/" not in page.content.decode()

"""The quote engine against the worked examples of docs/tariffs.md, number for number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.models import AuditLog
from policies.models import Line, TariffRule, TariffVersion
from policies.pricing import TariffError, answers_clean, premium_calculate
from policies.services.catalog import catalog_load, tariff_version_activate, tariff_version_import

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 11, 23)  # 1405/09/02: Jalali year 1405
DOCS = Path(__file__).resolve().parents[2] / "docs" / "tariffs.md"

EXAMPLES = [
    (
        "third_party",
        {
            "vehicle_group": "pride",
            "usage": "personal",
            "production_year": "۱۳۹۸",
            "previous_insurer": "iran",
            "no_claim_years": "3",
            "days_since_expiry": "0",
            "extra_cover": "none",
        },
        [
            ("base", 68_000_000),
            ("no_claim", -10_200_000),
            ("vat", 5_780_000),
            ("duties", 1_734_000),
        ],
        65_314_000,
        365,
    ),
    (
        "third_party",
        {
            "vehicle_group": "sedan6",
            "usage": "taxi",
            "production_year": "1388",
            "previous_insurer": "asia",
            "no_claim_years": "0",
            "days_since_expiry": "45",
            "extra_cover": "400",
        },
        [
            ("base", 115_200_000),
            ("vehicle_age", 4_608_000),
            ("late_penalty", 14_204_160),
            ("extra_cover", 16_000_000),
            ("vat", 15_001_216),
            ("duties", 4_500_365),
        ],
        169_513_741,
        365,
    ),
    (
        "motor_hull",
        {
            "vehicle_value": "2,000,000,000",
            "production_year": "1402",
            "theft": "on",
            "glass": "1",
            "no_claim_years": "2",
        },
        [
            ("base", 24_000_000),
            ("vehicle_age", 1_200_000),
            ("theft", 6_000_000),
            ("glass", 3_000_000),
            ("no_claim", -11_970_000),
            ("vat", 2_223_000),
        ],
        24_453_000,
        365,
    ),
    (
        "motor_hull",
        {
            "vehicle_value": "۸۰۰٬۰۰۰٬۰۰۰",
            "production_year": "1392",
            "natural_disasters": "on",
            "no_claim_years": "0",
        },
        [
            ("base", 9_600_000),
            ("vehicle_age", 1_920_000),
            ("natural_disasters", 800_000),
            ("vat", 1_232_000),
        ],
        13_552_000,
        365,
    ),
    (
        "fire",
        {
            "building_type": "concrete",
            "area": "120",
            "cost_per_m2": "150000000",
            "contents_value": "2000000000",
            "earthquake": "on",
            "burglary": "on",
        },
        [
            ("building", 14_400_000),
            ("contents", 2_000_000),
            ("earthquake", 27_000_000),
            ("burglary", 4_000_000),
            ("vat", 4_740_000),
        ],
        52_140_000,
        365,
    ),
    (
        "fire",
        {
            "building_type": "brick",
            "area": "85",
            "cost_per_m2": "90000000",
            "earthquake": "on",
            "flood": "on",
        },
        [
            ("building", 9_180_000),
            ("contents", 0),
            ("earthquake", 19_125_000),
            ("flood", 3_060_000),
            ("vat", 3_136_500),
        ],
        34_501_500,
        365,
    ),
    (
        "travel",
        {"zone": "schengen", "duration": "31", "age": "40"},
        [("base", 9_100_000), ("vat", 910_000)],
        10_010_000,
        31,
    ),
    (
        "travel",
        {"zone": "worldwide", "duration": "92", "age": "72"},
        [("base", 23_500_000), ("age", 23_500_000), ("vat", 4_700_000)],
        51_700_000,
        92,
    ),
]


def _price(code, answers, on=ON):
    line = Line.objects.get(code=code)
    version = TariffVersion.objects.get(line=line, status="active")
    return premium_calculate(
        version=version, answers=answers_clean(line=line, answers=answers), on=on
    )


@pytest.mark.parametrize(("code", "answers", "lines", "premium", "term"), EXAMPLES)
def test_worked_examples(catalog, code, answers, lines, premium, term):
    pricing = _price(code, answers)
    assert [(item.code, item.amount) for item in pricing.breakdown] == [
        (c, Decimal(a)) for c, a in lines
    ]
    assert pricing.premium == Decimal(premium)
    assert pricing.term_days == term
    assert all(isinstance(item.amount, Decimal) for item in pricing.breakdown)


@pytest.mark.parametrize(("code", "answers", "lines", "premium", "term"), EXAMPLES)
def test_the_docs_show_every_worked_example(code, answers, lines, premium, term):
    text = DOCS.read_text(encoding="utf-8")
    assert f"{premium:,}" in text
    for _code, amount in lines:
        assert f"{abs(amount):,}" in text


def test_the_engine_is_deterministic(catalog):
    answers = EXAMPLES[1][1]
    assert len({_price("third_party", answers).premium for _ in range(20)}) == 1


def test_all_errors_at_once_in_persian(catalog):
    line = Line.objects.get(code="third_party")
    with pytest.raises(ValidationError) as error:
        answers_clean(
            line=line,
            answers={"vehicle_group": "tank", "production_year": "۱۳۰۰", "no_claim_years": "x"},
        )
    messages = error.value.message_dict
    assert set(messages) == {
        "vehicle_group",
        "production_year",
        "no_claim_years",
        "previous_insurer",
    }
    assert messages["vehicle_group"] == ["یکی از گزینه‌ها را انتخاب کنید."]


def test_an_uncovered_combination_is_refused_with_the_field(catalog):
    with pytest.raises(TariffError) as error:
        _price("third_party", {**EXAMPLES[0][1], "vehicle_group": "motorcycle", "usage": "taxi"})
    assert "vehicle_group" in error.value.message_dict
    with pytest.raises(TariffError) as old:
        _price("motor_hull", {**EXAMPLES[2][1], "production_year": "1385"})  # 20 years old
    assert "production_year" in old.value.message_dict


def test_the_late_penalty_is_capped_at_the_base(catalog):
    pricing = _price("third_party", {**EXAMPLES[1][1], "days_since_expiry": "3000"})
    penalty = next(item for item in pricing.breakdown if item.code == "late_penalty")
    assert penalty.amount == Decimal(115_200_000)


def test_a_new_version_leaves_quotes_on_their_own(catalog):
    from policies.services.quotes import quote_create

    line = Line.objects.get(code="travel")
    old_quote = quote_create(line=line, answers=EXAMPLES[6][1], agency=None)
    text = (Path(__file__).resolve().parents[2] / "policies/tariffs/travel-v1.csv").read_text()
    v2 = tariff_version_import(
        line=line, text=text.replace("schengen|31=9100000", "schengen|31=9500000"), activate=True
    )
    new_quote = quote_create(line=line, answers=EXAMPLES[6][1], agency=None)
    old_quote.refresh_from_db()
    assert (old_quote.tariff_version.number, old_quote.premium) == (1, Decimal(10_010_000))
    assert (new_quote.tariff_version_id, new_quote.premium) == (v2.pk, Decimal(10_450_000))
    statuses = dict(line.tariff_versions.values_list("number", "status"))
    assert statuses == {1: "retired", 2: "active"}
    assert AuditLog.objects.filter(action="tariff.activated", target_id=str(v2.pk)).exists()
    # Activating the old one again brings its numbers back.
    tariff_version_activate(version=line.tariff_versions.get(number=1))
    assert quote_create(line=line, answers=EXAMPLES[6][1], agency=None).premium == Decimal(
        10_010_000
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("position,code\n1,a\n", "Line 1"),
        (
            "position,code,label,kind,question,basis,table,params\n"
            "10,base,x,base,zone|duration,,*=1,\n"
            "20,bad,y,magic,,,*=1,\n",
            "Line 3",
        ),
        (
            "position,code,label,kind,question,basis,table,params\n10,base,x,base,zone,,*=abc,\n",
            "Line 2",
        ),
        (
            "position,code,label,kind,question,basis,table,params\n10,base,x,base,nope,,*=1,\n",
            "Line 2",
        ),
        (
            "position,code,label,kind,question,basis,table,params\n10,tax,x,tax,,rule:later,*=1,\n",
            "Line 2",
        ),
    ],
)
def test_a_malformed_tariff_file_is_refused_and_changes_nothing(catalog, text, message):
    line = Line.objects.get(code="travel")
    before = (TariffVersion.objects.count(), TariffRule.objects.count())
    with translation.override("en"), pytest.raises(ValidationError) as error:
        tariff_version_import(line=line, text=text, activate=True)
    assert any(message in text_ for text_ in error.value.messages)
    assert (TariffVersion.objects.count(), TariffRule.objects.count()) == before
    assert line.tariff_versions.get(status="active").number == 1


def test_catalog_load_twice_changes_nothing(catalog):
    counts = (Line.objects.count(), TariffVersion.objects.count(), TariffRule.objects.count())
    catalog_load()
    assert (
        Line.objects.count(),
        TariffVersion.objects.count(),
        TariffRule.objects.count(),
    ) == counts
    assert counts[0] == 4


def test_tariff_import_from_the_admin(client, catalog):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import create_user

    client.force_login(create_user(is_staff=True, is_superuser=True))
    line = Line.objects.get(code="travel")
    text = (Path(__file__).resolve().parents[2] / "policies/tariffs/travel-v1.csv").read_bytes()
    bad = client.post(
        "/admin/policies/tariffversion/import/",
        {"line": line.pk, "file": SimpleUploadedFile("t.csv", b"position,code\n1,a\n")},
        HTTP_HOST="localhost",
    )
    assert bad.status_code == 200 and "errorlist" in bad.content.decode()
    assert line.tariff_versions.count() == 1
    good = client.post(
        "/admin/policies/tariffversion/import/",
        {"line": line.pk, "file": SimpleUploadedFile("travel-v2.csv", text), "activate": "on"},
        HTTP_HOST="localhost",
    )
    assert good.status_code == 302
    assert line.tariff_versions.get(status="active").number == 2
    assert client.get("/admin/policies/tariffversion/", HTTP_HOST="localhost").status_code == 200

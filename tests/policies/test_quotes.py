"""The premium inquiry service, the sale's line selectors, answers cleaning and tariff import."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from policies.models import AgencyLine, Line, Quote, SalesEvent, TariffRule, TariffVersion
from policies.pricing import answers_clean
from policies.selectors import line_sellable, lines_for_site
from policies.services.catalog import tariff_version_import
from policies.services.events import Origin
from policies.services.quotes import quote_create, quote_get
from tests.factories import create_user

pytestmark = pytest.mark.django_db

TARIFFS = Path(__file__).resolve().parents[2] / "policies" / "tariffs"
THIRD_PARTY = {
    "vehicle_group": "pride",
    "usage": "personal",
    "production_year": "۱۳۹۸",
    "previous_insurer": "iran",
    "no_claim_years": "۳",
    "days_since_expiry": "0",
    "extra_cover": "none",
}
NOT_SOLD = "این بیمه در این سایت فروخته نمی‌شود."
ALL_LINES = ["third_party", "motor_hull", "fire", "travel"]


def _counts() -> tuple[int, int]:
    return Quote.objects.count(), SalesEvent.objects.count()


# --- quote_create ----------------------------------------------------------------------


def test_a_quote_is_stored_with_its_version_expiry_and_sales_record(catalog):
    line = Line.objects.get(code="third_party")
    customer = create_user()
    before = timezone.now()
    quote = quote_create(
        line=line,
        answers=THIRD_PARTY,
        agency=None,
        user=customer,
        origin=Origin(ip_address="5.6.7.8", user_agent="Firefox"),
    )
    after = timezone.now()
    stored = Quote.objects.get(public_id=quote.public_id)
    assert stored.premium == Decimal(65_314_000)
    assert stored.tariff_version == TariffVersion.objects.get(line=line, status="active")
    assert stored.term_days == 365
    assert stored.agency is None and stored.user == customer
    assert stored.ip_address == "5.6.7.8"
    assert before + dt.timedelta(days=7) <= stored.expires_at <= after + dt.timedelta(days=7)
    # Answers are kept normalised: Latin digits, whole numbers as int.
    assert stored.answers == {
        "vehicle_group": "pride",
        "usage": "personal",
        "production_year": 1398,
        "previous_insurer": "iran",
        "no_claim_years": 3,
        "days_since_expiry": 0,
        "extra_cover": "none",
    }
    # Each line keeps its name in both languages (pages pick one when they show it).
    assert stored.breakdown == [
        {
            "code": "base",
            "label": "حق بیمه پایه",
            "label_en": "Base premium",
            "amount": "68000000",
        },
        {
            "code": "no_claim",
            "label": "تخفیف عدم خسارت",
            "label_en": "No-claim discount",
            "amount": "-10200000",
        },
        {
            "code": "vat",
            "label": "مالیات بر ارزش افزوده",
            "label_en": "Value added tax",
            "amount": "5780000",
        },
        {
            "code": "duties",
            "label": "عوارض و سهم صندوق تأمین خسارت‌ها",
            "label_en": "Duties and the guarantee fund's share",
            "amount": "1734000",
        },
    ]
    event = SalesEvent.objects.get(quote=stored)
    assert event.event == "quote_created"
    assert (event.actor, event.ip_address, event.user_agent) == (customer, "5.6.7.8", "Firefox")
    assert event.data["premium"] == "65314000" and event.data["line"] == "third_party"


def test_an_anonymous_quote_on_an_agency_site_belongs_to_that_site(catalog, agency):
    line = Line.objects.get(code="travel")
    quote = quote_create(
        line=line, answers={"zone": "asia", "duration": "۱۵", "age": "30"}, agency=agency
    )
    stored = Quote.objects.get(public_id=quote.public_id)
    assert (stored.agency, stored.user, stored.term_days) == (agency, None, 15)
    assert stored.premium == Decimal(4_290_000)  # 3,900,000 + 10 % VAT
    assert SalesEvent.objects.get(quote=stored).agency == agency
    assert quote_get(public_id=quote.public_id, agency=agency) == stored
    assert quote_get(public_id=quote.public_id, agency=None) is None


def test_a_deferred_quote_is_stored_when_it_is_first_read(catalog):
    quote = quote_create(line="third_party", answers=THIRD_PARTY, agency=None, defer=True)
    assert _counts() == (0, 0)
    stored = quote_get(public_id=quote.public_id, agency=None)
    assert stored is not None and stored.premium == Decimal(65_314_000)
    assert quote_get(public_id=quote.public_id, agency=None) == stored
    assert _counts() == (1, 1)


def test_bad_answers_store_nothing_and_name_every_field(catalog):
    line = Line.objects.get(code="motor_hull")
    with pytest.raises(ValidationError) as error:
        quote_create(
            line=line,
            answers={"vehicle_value": "ده میلیون", "production_year": "", "glass": "maybe"},
            agency=None,
        )
    assert error.value.message_dict == {
        "vehicle_value": ["یک عدد صحیح وارد کنید."],
        "production_year": ["این فیلد الزامی است."],
        "glass": ["بله یا خیر را انتخاب کنید."],
    }
    assert _counts() == (0, 0)


def test_an_inactive_line_is_refused_in_persian(catalog):
    line = Line.objects.get(code="fire")
    line.is_active = False
    line.save()
    with pytest.raises(ValidationError) as error:
        quote_create(line=line, answers={}, agency=None)
    assert error.value.message_dict == {"line": [NOT_SOLD]}
    assert _counts() == (0, 0)


@pytest.mark.parametrize(
    ("allowed", "offered"), [(False, True), (True, False), (False, False)], ids=str
)
def test_a_line_the_agency_may_not_or_does_not_sell_is_refused(catalog, agency, allowed, offered):
    travel = Line.objects.get(code="travel")
    AgencyLine.objects.create(agency=agency, line=travel, allowed=allowed, offered=offered)
    answers = {"zone": "asia", "duration": "7", "age": "30"}
    with pytest.raises(ValidationError) as error:
        quote_create(line=travel, answers=answers, agency=agency)
    assert error.value.message_dict == {"line": [NOT_SOLD]}
    assert _counts() == (0, 0)
    # The main site and the agency's other lines are not affected.
    assert quote_create(line=travel, answers=answers, agency=None).premium == Decimal(2_860_000)
    assert quote_create(line="third_party", answers=THIRD_PARTY, agency=agency).premium == Decimal(
        65_314_000
    )


def test_a_line_allowed_and_offered_explicitly_is_sold(catalog, agency):
    travel = Line.objects.get(code="travel")
    AgencyLine.objects.create(agency=agency, line=travel, allowed=True, offered=True)
    assert line_sellable(line=travel, agency=agency)
    quote = quote_create(
        line=travel, answers={"zone": "asia", "duration": "7", "age": "9"}, agency=agency
    )
    # 2,600,000 × 0.5 (children) = 1,300,000; VAT 130,000.
    assert [item["amount"] for item in quote.breakdown] == ["2600000", "-1300000", "130000"]
    assert quote.premium == Decimal(1_430_000)


def test_the_same_answers_give_the_same_rials(catalog):
    premiums = {
        quote_create(line="third_party", answers=THIRD_PARTY, agency=None).premium for _ in range(5)
    }
    assert premiums == {Decimal(65_314_000)}


# --- selectors -------------------------------------------------------------------------


def test_lines_for_the_main_site_are_every_active_line_in_order(catalog):
    assert [line.code for line in lines_for_site(agency=None)] == ALL_LINES
    fire = Line.objects.get(code="fire")
    fire.is_active = False
    fire.save()
    assert [line.code for line in lines_for_site(agency=None)] == [
        "third_party",
        "motor_hull",
        "travel",
    ]
    assert not line_sellable(line=fire, agency=None)


def test_a_line_without_an_active_tariff_is_not_on_sale(catalog):
    fire = Line.objects.get(code="fire")
    TariffVersion.objects.filter(line=fire).update(status=TariffVersion.Status.RETIRED)
    assert "fire" not in [line.code for line in lines_for_site(agency=None)]


def test_an_agency_site_loses_only_its_restricted_lines(catalog, agency, other_agency):
    lines = {line.code: line for line in Line.objects.all()}
    AgencyLine.objects.create(agency=agency, line=lines["travel"], allowed=False)
    AgencyLine.objects.create(agency=agency, line=lines["fire"], offered=False)
    AgencyLine.objects.create(agency=agency, line=lines["motor_hull"])  # allowed and offered
    assert [line.code for line in lines_for_site(agency=agency)] == ["third_party", "motor_hull"]
    assert [line.code for line in lines_for_site(agency=other_agency)] == ALL_LINES
    assert [line.code for line in lines_for_site(agency=None)] == ALL_LINES
    assert not line_sellable(line=lines["travel"], agency=agency)
    assert line_sellable(line=lines["travel"], agency=other_agency)


def test_lines_for_site_is_one_query(catalog, agency, django_assert_num_queries):
    AgencyLine.objects.create(agency=agency, line=Line.objects.get(code="fire"), allowed=False)
    with django_assert_num_queries(1):
        assert len(list(lines_for_site(agency=agency))) == 3


# --- answers_clean ---------------------------------------------------------------------


def test_persian_and_arabic_digits_and_separators_are_normalised(catalog):
    hull = Line.objects.get(code="motor_hull")
    cleaned = answers_clean(
        line=hull,
        answers={
            "vehicle_value": "۱٬۲۵۰٬۰۰۰٬۰۰۰",
            "production_year": "١٤٠٠",  # Arabic-Indic digits
            "theft": "on",
            "glass": True,
            "no_claim_years": " ۲ ",
        },
    )
    assert cleaned == {
        "vehicle_value": "1250000000",
        "production_year": 1400,
        "theft": True,
        "glass": True,
        "natural_disasters": False,
        "no_claim_years": 2,
    }
    assert json.loads(json.dumps(cleaned)) == cleaned
    fire = Line.objects.get(code="fire")
    assert answers_clean(
        line=fire,
        answers={"building_type": "steel", "area": "۱۰۰", "cost_per_m2": "100,000,000"},
    ) == {
        "building_type": "steel",
        "area": 100,
        "cost_per_m2": "100000000",
        "contents_value": "0",  # its default
        "earthquake": False,
        "flood": False,
        "burglary": False,
    }


def test_bounds_and_formats_are_explained_in_persian(catalog):
    line = Line.objects.get(code="third_party")
    with pytest.raises(ValidationError) as error:
        answers_clean(
            line=line,
            answers={**THIRD_PARTY, "production_year": "1300", "no_claim_years": "15"},
        )
    # Bounds in the page's digits, a year without a thousands separator.
    assert error.value.message_dict == {
        "production_year": ["دست‌کم ۱۳۶۰ وارد کنید."],
        "no_claim_years": ["حداکثر ۱۴ وارد کنید."],
    }
    with pytest.raises(ValidationError) as details:
        answers_clean(
            line=line,
            answers={"plate_number": "12345", "chassis_number": "", "engine_number": "M15A1234"},
            stage="details",
        )
    assert details.value.message_dict == {
        "plate_number": ["قالب درست نیست."],
        "chassis_number": ["این فیلد الزامی است."],
    }
    assert answers_clean(
        line=line,
        answers={"plate_number": "۱۲ب۳۴۵-۶۷", "chassis_number": "NAAM01", "engine_number": "M15A1"},
        stage="details",
    ) == {"plate_number": "12ب345-67", "chassis_number": "NAAM01", "engine_number": "M15A1"}


# --- tariff_import command -------------------------------------------------------------


def _travel_v2(tmp_path: Path) -> Path:
    text = (TARIFFS / "travel-v1.csv").read_text(encoding="utf-8")
    path = tmp_path / "travel-v2.csv"
    path.write_text(text.replace("schengen|31=9100000", "schengen|31=9500000"), encoding="utf-8")
    return path


def test_tariff_import_takes_the_line_from_the_file_name(catalog, tmp_path, capsys):
    travel = Line.objects.get(code="travel")
    answers = {"zone": "schengen", "duration": "31", "age": "40"}
    old = quote_create(line=travel, answers=answers, agency=None)
    call_command("tariff_import", str(_travel_v2(tmp_path)))
    assert "version 2 imported (draft)" in capsys.readouterr().out
    assert dict(travel.tariff_versions.values_list("number", "status")) == {
        1: "active",
        2: "draft",
    }
    assert quote_create(line=travel, answers=answers, agency=None).premium == Decimal(10_010_000)
    call_command("tariff_import", "travel", str(_travel_v2(tmp_path)), "--activate")
    assert dict(travel.tariff_versions.values_list("number", "status")) == {
        1: "retired",
        2: "draft",
        3: "active",
    }
    assert travel.tariff_versions.get(number=3).source == "travel-v2.csv"
    new = quote_create(line=travel, answers=answers, agency=None)
    assert (new.tariff_version.number, new.premium) == (3, Decimal(10_450_000))
    old.refresh_from_db()
    assert (old.tariff_version.number, old.premium) == (1, Decimal(10_010_000))


def test_tariff_import_refuses_a_malformed_file_and_changes_nothing(catalog, tmp_path):
    good = (TARIFFS / "travel-v1.csv").read_text(encoding="utf-8").splitlines()
    assert good[2].startswith("20,age,")  # the age rule, line 3 of the file
    good[2] = good[2].replace("0-12=0.5", "0-12=half")
    bad = tmp_path / "travel-v2.csv"
    bad.write_text("\n".join(good) + "\n", encoding="utf-8")
    before = (TariffVersion.objects.count(), TariffRule.objects.count())
    with translation.override("en"), pytest.raises(CommandError) as error:
        call_command("tariff_import", str(bad), "--activate")
    assert str(error.value) == "Line 3: “half” for “0-12” is not a number."
    assert (TariffVersion.objects.count(), TariffRule.objects.count()) == before
    assert Line.objects.get(code="travel").tariff_versions.get().status == "active"
    with pytest.raises(CommandError, match="No line with code 'boat'"):
        call_command("tariff_import", str(tmp_path / "boat-v1.csv"))


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("30,x,x,cover,,subtotal,*=1,when=nope", "Line 2: the line has no question “nope”."),
        ("30,x,x,cover,,subtotal,*=1,when=zone!=asia;cap=3", "Line 2: unknown parameter “cap”."),
        ("30,x,x,cover,,subtotal,*=1,min=rule:later", "Line 2: rule “later” must come earlier."),
        ("30,x,x,cover,,answer:zone,*=1,", "Line 2: “zone” is not a numeric question."),
    ],
)
def test_conditions_and_bounds_are_checked_on_import(catalog, row, message):
    line = Line.objects.get(code="travel")
    header = "position,code,label,kind,question,basis,table,params\n"
    with translation.override("en"), pytest.raises(ValidationError) as error:
        tariff_version_import(line=line, text=header + row + "\n")
    assert error.value.messages == [message]
    assert line.tariff_versions.count() == 1

"""The English version is whole: the catalog carries both languages, and an English visitor
(or API caller) reads every line, question, choice and breakdown line in English."""

from __future__ import annotations

import csv
import html
import importlib
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from policies.models import DocumentRequirement, Line, Question, Quote, TariffRule
from policies.services.catalog import TARIFF_DIR, catalog_load, tariff_version_import
from tests.visible_text import PERSIAN_LETTER, visible_texts

pytestmark = pytest.mark.django_db

MAIN = "localhost"
VALID = {
    "third_party": {
        "vehicle_group": "sedan6",
        "usage": "taxi",
        "production_year": "1388",
        "previous_insurer": "asia",
        "no_claim_years": "0",
        "days_since_expiry": "45",
        "extra_cover": "400",
    },
    "motor_hull": {
        "vehicle_value": "2000000000",
        "production_year": "1402",
        "theft": "on",
        "glass": "on",
        "natural_disasters": "on",
        "no_claim_years": "2",
    },
    "fire": {
        "building_type": "concrete",
        "area": "120",
        "cost_per_m2": "150000000",
        "contents_value": "2000000000",
        "earthquake": "on",
        "flood": "on",
        "burglary": "on",
    },
    "travel": {"zone": "worldwide", "duration": "92", "age": "72"},
}
MIGRATION = importlib.import_module("policies.migrations.0007_catalog_english_names")


def _rows(name: str) -> list[dict[str, str]]:
    with (TARIFF_DIR / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _pairs(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(";") if item)


def _english(client) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def _persian_texts(html: str) -> list[str]:
    """Persian words on the page, but the language switch's "فارسی" (a language is named in
    its own words)."""
    return [text for text in visible_texts(html) if PERSIAN_LETTER.search(text) and text != "فارسی"]


# --- the data ----------------------------------------------------------------------------


def test_every_shipped_catalog_row_has_an_english_name():
    missing = []
    for row in _rows("lines.csv"):
        missing += [(row["code"], key) for key in ("name_en", "summary_en") if not row[key]]
    for row in _rows("questions.csv"):
        where = f"{row['line']}.{row['code']}"
        if not row["label_en"]:
            missing.append((where, "label_en"))
        if row["help"] and not row["help_en"]:
            missing.append((where, "help_en"))
        if set(_pairs(row["choices"])) != set(_pairs(row["choices_en"])):
            missing.append((where, "choices_en"))
    for row in _rows("documents.csv"):
        if not row["label_en"]:
            missing.append((f"{row['line']}.{row['code']}", "label_en"))
    for path in sorted(Path(TARIFF_DIR).glob("*-v*.csv")):
        missing += [(path.name, row["code"]) for row in _rows(path.name) if not row["label_en"]]
    assert missing == []


def test_the_loaded_catalog_has_both_languages_in_every_row(catalog):
    assert list(Line.objects.filter(name_en="").values_list("code", flat=True)) == []
    assert list(Question.objects.filter(label_en="").values_list("code", flat=True)) == []
    assert (
        list(DocumentRequirement.objects.filter(label_en="").values_list("code", flat=True)) == []
    )
    assert list(TariffRule.objects.filter(label_en="").values_list("code", flat=True)) == []
    choices = [
        (question.code, choice["value"])
        for question in Question.objects.exclude(choices=[])
        for choice in question.choices
        if not choice.get("label_en")
    ]
    assert choices == []
    assert Question.objects.get(line__code="travel", code="zone").choices[2] == {
        "value": "schengen",
        "label": "اروپا (شینگن)",
        "label_en": "Europe (Schengen)",
    }


def test_the_data_migration_names_every_shipped_row_as_the_files_do():
    """Rows loaded before the English columns existed get the same English names."""
    expected = {}
    for row in _rows("lines.csv"):
        expected[row["name"]] = row["name_en"]
        expected[row["summary"]] = row["summary_en"]
    for row in _rows("questions.csv"):
        expected[row["label"]] = row["label_en"]
        if row["help"]:
            expected[row["help"]] = row["help_en"]
        english = _pairs(row["choices_en"])
        expected.update({label: english[key] for key, label in _pairs(row["choices"]).items()})
    for row in _rows("documents.csv"):
        expected[row["label"]] = row["label_en"]
    for path in sorted(Path(TARIFF_DIR).glob("*-v*.csv")):
        expected.update({row["label"]: row["label_en"] for row in _rows(path.name)})
    assert {persian: MIGRATION.ENGLISH.get(persian) for persian in expected} == expected


def test_a_year_asked_says_its_calendar(catalog):
    for question in Question.objects.filter(code="production_year"):
        assert "Jalali" in question.help_text_en and "1398" in question.help_text_en
        assert "شمسی" in question.help_text
    with translation.override("en"):
        from core.forms import JalaliDateInput

        assert JalaliDateInput().attrs["placeholder"] == "1370/01/31 (Jalali)"


# --- the pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("code", list(VALID))
def test_every_lines_quote_pages_are_english(client, catalog, code):
    _english(client)
    lines = client.get("/insurance/", HTTP_HOST=MAIN).content.decode()
    assert _persian_texts(lines) == []
    form = client.get(f"/insurance/{code}/", HTTP_HOST=MAIN).content.decode()
    assert 'lang="en"' in form
    assert _persian_texts(form) == []
    line = Line.objects.get(code=code)
    assert f'<h1 class="h4 mb-3">{line.name_en}</h1>' in form
    errors = client.post(f"/insurance/{code}/", {}, HTTP_HOST=MAIN).content.decode()
    assert _persian_texts(errors) == []
    location = client.post(f"/insurance/{code}/", VALID[code], HTTP_HOST=MAIN)["Location"]
    result = client.get(location, HTTP_HOST=MAIN).content.decode()
    assert _persian_texts(result) == []
    quote = Quote.objects.get(public_id=location.rstrip("/").rsplit("/", 1)[1])
    shown = [
        (code, html.unescape(label))
        for code, label in re.findall(r'<tr data-code="(\w+)"><td>([^<]+)</td>', result)
    ]
    rules = dict(quote.tariff_version.rules.values_list("code", "label_en"))
    assert shown == [(item["code"], rules[item["code"]]) for item in quote.breakdown]


def test_in_persian_the_same_pages_are_persian(client, catalog):
    form = client.get("/insurance/travel/", HTTP_HOST=MAIN).content.decode()
    assert "بیمه مسافرتی" in form and "اروپا (شینگن)" in form and "Schengen" not in form


def test_a_breakdown_stored_before_english_names_takes_them_from_its_tariff(client, catalog):
    location = client.post("/insurance/travel/", VALID["travel"], HTTP_HOST=MAIN)["Location"]
    client.get(location, HTTP_HOST=MAIN)  # stores the quote
    quote = Quote.objects.get(public_id=location.rstrip("/").rsplit("/", 1)[1])
    Quote.objects.filter(pk=quote.pk).update(
        breakdown=[{k: v for k, v in item.items() if k != "label_en"} for item in quote.breakdown]
    )
    _english(client)
    page = client.get(location, HTTP_HOST=MAIN).content.decode()
    assert re.findall(r'<tr data-code="(\w+)"><td>([^<]+)</td>', page) == [
        ("base", "Base premium"),
        ("age", "Age factor"),
        ("vat", "Value added tax"),
    ]


def test_a_tariff_file_without_english_names_is_still_read(catalog):
    """Files written before the label_en column: imported, their lines named in Persian."""
    line = Line.objects.get(code="travel")
    text = (
        "position,code,label,kind,question,basis,table,params\n"
        "10,base,حق بیمه پایه,base,zone|duration,,*=1000000,\n"
    )
    version = tariff_version_import(line=line, text=text)
    rule = version.rules.get()
    assert (rule.label, rule.label_en) == ("حق بیمه پایه", "")
    with translation.override("en"):
        assert rule.display_label == "حق بیمه پایه"
    with_english = tariff_version_import(
        line=line,
        text="position,code,label,label_en,kind,question,basis,table,params\n"
        "10,base,حق بیمه پایه,Base premium,base,zone|duration,,*=1000000,\n",
    )
    assert with_english.rules.get().label_en == "Base premium"


def test_catalog_load_twice_keeps_one_row_each_in_both_languages(catalog):
    catalog_load()
    assert Line.objects.get(code="fire").name_en == "Home fire insurance"
    assert Question.objects.filter(line__code="fire", code="area").count() == 1


# --- the API -------------------------------------------------------------------------------


def test_the_api_speaks_the_callers_language(client, catalog):
    persian = client.get("/api/lines/", HTTP_HOST=MAIN).json()
    english = client.get("/api/lines/?lang=en", HTTP_HOST=MAIN).json()
    by_header = client.get("/api/lines/", HTTP_HOST=MAIN, HTTP_ACCEPT_LANGUAGE="en-GB").json()
    assert english == by_header
    travel_fa = next(line for line in persian if line["code"] == "travel")
    travel_en = next(line for line in english if line["code"] == "travel")
    assert (travel_fa["name"], travel_en["name"]) == ("بیمه مسافرتی", "Travel insurance")
    zone = travel_en["questions"][0]
    assert (zone["code"], zone["label"]) == ("zone", "Destination")
    assert zone["choices"][2] == {"value": "schengen", "label": "Europe (Schengen)"}
    # Only names change: codes, values and bounds are the same in both languages.
    strip = re.compile(r'"(name|summary|label|help_text)": "[^"]*"')
    assert strip.sub("", json.dumps(persian)) == strip.sub("", json.dumps(english))
    quote = client.post(
        "/api/quotes/?lang=en",
        {"line": "travel", "answers": VALID["travel"]},
        content_type="application/json",
        HTTP_HOST=MAIN,
    ).json()
    assert [item["label"] for item in quote["breakdown"]] == [
        "Base premium",
        "Age factor",
        "Value added tax",
    ]
    detail = client.get(f"/api/quotes/{quote['id']}/", HTTP_HOST=MAIN).json()
    assert detail["breakdown"][0]["label"] == "حق بیمه پایه"
    refused = client.post(
        "/api/quotes/?lang=en",
        {"line": "travel", "answers": {"zone": "asia", "duration": "7", "age": "120"}},
        content_type="application/json",
        HTTP_HOST=MAIN,
    )
    assert refused.status_code == 422
    assert refused.json()["fields"] == {"age": ["Enter at most 99."]}

"""Bootstrap trimmed to the classes the project uses (core.staticfiles, decision 023)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command

from core.staticfiles import TrimmedCssFinder, UsedClasses, css_trim, source_files, used_classes

BOOTSTRAP = Path(settings.TRIMMED_STYLESHEETS["css/bootstrap.rtl.css"])
CLASS_ATTRIBUTE = re.compile(r"""\bclass="([^"]*)\"""")
CLASS_SELECTOR = re.compile(r"\.(-?[A-Za-z_][A-Za-z0-9_-]*)")


def _selectors(css: str) -> set[str]:
    """Every selector of a minified stylesheet (declaration blocks and at-rule preludes
    left out)."""
    without_declarations = re.sub(r"\{[^{}]*\}", "}", css)
    selectors = set()
    for chunk in re.split(r"[{}]", without_declarations):
        if chunk and not chunk.lstrip().startswith("@"):
            selectors.update(part.strip() for part in chunk.split(",") if part.strip())
    return selectors


def _used(*words: str, prefixes: tuple[str, ...] = ()) -> UsedClasses:
    return UsedClasses(set(words), set(prefixes))


@pytest.fixture
def fresh_finder(settings, tmp_path):
    """A finder writing to a temporary folder, with nothing remembered from earlier builds."""
    settings.TRIMMED_STYLESHEETS_ROOT = tmp_path / "built"
    TrimmedCssFinder._signature = None
    TrimmedCssFinder._checked_at = 0.0
    yield TrimmedCssFinder()
    TrimmedCssFinder._signature = None
    TrimmedCssFinder._checked_at = 0.0


def test_rules_are_kept_only_when_every_class_they_name_is_used():
    css = (
        "body{margin:0}.btn{color:red}.btn-check+.btn{color:blue}"
        ".card,.modal{padding:1px}.nav .show{display:block}.nav .fade{opacity:0}"
        "[hidden]{display:none!important}:is(.card,.toast) p{margin:0}"
    )
    trimmed = css_trim(css, _used("btn", "card", "nav", "show"))
    assert trimmed == (
        "body{margin:0}.btn{color:red}.card{padding:1px}.nav .show{display:block}"
        "[hidden]{display:none!important}\n"
    )


def test_media_blocks_keep_what_is_used_and_vanish_when_empty():
    css = (
        "@media (min-width:768px){.col-md-6{width:50%}.modal{top:0}}"
        "@media print{.modal{display:none}}"
        "@supports (position:sticky){.sticky-top{position:sticky}}"
    )
    assert css_trim(css, _used("col-md-6")) == "@media (min-width:768px){.col-md-6{width:50%}}\n"


def test_animations_stay_only_while_a_kept_rule_runs_them():
    css = (
        "@keyframes progress-bar-stripes{0%{background-position-x:1rem}}"
        "@keyframes spinner-border{to{transform:rotate(360deg)}}"
        ".progress-bar-animated{animation:1s linear infinite progress-bar-stripes}"
        ".spinner-border{animation:var(--bs-spinner-animation-speed) spinner-border}"
    )
    trimmed = css_trim(css, _used("progress-bar-animated"))
    assert trimmed == (
        "@keyframes progress-bar-stripes{0%{background-position-x:1rem}}"
        ".progress-bar-animated{animation:1s linear infinite progress-bar-stripes}\n"
    )


def test_the_licence_comment_stays_after_the_charset():
    css = '@charset "UTF-8";/*!\n * Bootstrap v5.3.9\n */:root{--bs-blue:#0d6efd}.modal{top:0}'
    assert css_trim(css, _used()) == (
        '@charset "UTF-8";/*!\n * Bootstrap v5.3.9\n */:root{--bs-blue:#0d6efd}\n'
    )


def test_a_class_a_template_builds_keeps_its_whole_family(tmp_path):
    template = tmp_path / "page.html"
    template.write_text(
        '<div class="alert alert-{{ message.tags }}" id="order-{{ order.pk }}">'
        "<span class='col-md-{% if wide %}8{% else %}4{% endif %}'></span></div>",
        encoding="utf-8",
    )
    module = tmp_path / "views.py"
    module.write_text('CSS = f"btn-{kind}"\nDATE = "%Y-%m-%d"\n', encoding="utf-8")
    used = used_classes([template, module])
    assert used.prefixes == ("alert-", "col-md-")
    assert "alert-warning" in used and "col-md-12" in used and "alert" in used
    assert "order-first" not in used and "btn-danger" not in used and "m-0" not in used


def test_every_bootstrap_class_a_template_writes_is_in_the_trimmed_stylesheet():
    """Each selector of Bootstrap's whose classes all appear in some template's class
    attribute still styles the pages."""
    bootstrap = BOOTSTRAP.read_text(encoding="utf-8")
    trimmed = Path(finders.find("css/bootstrap.rtl.css")).read_text(encoding="utf-8")
    written = set()
    for path in source_files():
        if path.suffix == ".html":
            for value in CLASS_ATTRIBUTE.findall(path.read_text(encoding="utf-8")):
                written.update(re.findall(r"[A-Za-z0-9_-]+", value))
    assert {"navbar-collapse", "table-responsive", "visually-hidden", "is-invalid"} <= written
    needed = set()
    for selector in _selectors(bootstrap):
        classes = CLASS_SELECTOR.findall(selector)
        if classes and set(classes) <= written:
            needed.add(selector)
    assert len(needed) > 200
    # tinycss2 keeps tokens apart with an empty comment (``nth-child(n/**/+3)``): the same
    # selector once the comment is dropped, as the browser's tokenizer drops it.
    assert sorted(needed - _selectors(trimmed.replace("/**/", ""))) == []
    assert len(trimmed) < len(bootstrap) / 3


def test_the_trimmed_stylesheet_follows_a_template_that_changes(settings, fresh_finder, tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], templates]}
    ]
    built = Path(fresh_finder.find("css/bootstrap.rtl.css"))
    assert built.parent.parent == tmp_path / "built"
    assert ".shadow-lg" not in built.read_text(encoding="utf-8")

    (templates / "loading.html").write_text('<p class="shadow-lg">…</p>', encoding="utf-8")
    TrimmedCssFinder._checked_at = 0.0  # the next request after the one-second pause
    fresh_finder.find("css/bootstrap.rtl.css")
    assert ".shadow-lg{" in built.read_text(encoding="utf-8")


def test_collectstatic_collects_the_trimmed_stylesheets(settings, fresh_finder, tmp_path):
    settings.STATIC_ROOT = tmp_path / "collected"
    settings.STATICFILES_FINDERS = ["core.staticfiles.TrimmedCssFinder"]
    finders.get_finder.cache_clear()
    try:
        call_command("collectstatic", interactive=False, verbosity=0)
    finally:
        finders.get_finder.cache_clear()
    collected = sorted(path.name for path in (tmp_path / "collected" / "css").iterdir())
    assert collected == ["bootstrap.css", "bootstrap.rtl.css"]
    rtl = (tmp_path / "collected" / "css" / "bootstrap.rtl.css").read_text(encoding="utf-8")
    assert rtl.startswith('@charset "UTF-8";/*!\n * Bootstrap')
    assert ".navbar-collapse" in rtl and ".modal-dialog" not in rtl


def test_a_missing_source_stylesheet_is_a_system_check_error(settings, tmp_path):
    settings.TRIMMED_STYLESHEETS = {"css/bootstrap.css": tmp_path / "absent.css"}
    errors = TrimmedCssFinder().check()
    assert [error.id for error in errors] == ["core.E001"]

"""An app names nothing of the apps above it (DESIGN.md, decision 025): no import, no module
path in a string (``include``, ``apps.get_model``), no URL namespace, no template and no
template library of a higher app, in its code and its templates. Apps above plug into the
registries of the lower ones instead (panel, ops host, dashboard, storefront, signals)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings
from django.urls import URLResolver, get_resolver

from tests.sources import parse_source

ROOT = Path(__file__).resolve().parents[2]

# The layers, from the ground up: an app may name apps of its own layer or below.
LAYER = {
    "core": 0,
    "tenants": 1,
    "accounts": 1,
    "policies": 2,
    "referrals": 3,
    "settlement": 3,
    "crm": 3,
    "messaging": 3,
    "renewals": 3,
    "onboarding": 3,
    "advice": 3,
    "claims": 3,
    "cancellations": 3,
    "support": 3,
    "reports": 4,
}
TEMPLATE_NAME = re.compile(r"""{%\s*(?:extends|include)\s+["']([\w-]+)/""")
TEMPLATE_LIBRARY = re.compile(r"{%\s*load\s+([\w\s]+?)\s*%}")
URL_NAME = re.compile(r"""["']([\w-]+):[\w-]+["']""")


def _app_of(module: str) -> str | None:
    first = module.split(".", 1)[0]
    return first if first in LAYER else None


def _project_apps() -> list[str]:
    return sorted(path.parent.name for path in ROOT.glob("*/apps.py"))


def _namespaces() -> dict[str, str]:
    """Every URL namespace of every host, with the app whose URL module declares it."""
    found: dict[str, str] = {}

    def walk(patterns) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                module = getattr(entry.urlconf_module, "__name__", "")
                app = _app_of(module)
                if entry.namespace and app:
                    found[entry.namespace] = app
                walk(entry.url_patterns)

    for urlconf in {settings.ROOT_URLCONF, *settings.URLCONF_BY_SITE.values()}:
        walk(get_resolver(urlconf).url_patterns)
    return found


def _libraries() -> dict[str, str]:
    """Template tag libraries, with the app that defines them."""
    return {
        path.stem: path.parent.parent.name
        for app in LAYER
        for path in (ROOT / app).glob("templatetags/*.py")
        if path.stem != "__init__"
    }


def _strings_named(tree: ast.AST) -> list[tuple[int, str]]:
    """Imported modules, and string constants that are a module path or an app label given
    to ``get_model`` (docstrings and prose are whole sentences, so they never match)."""
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append((node.lineno, node.module))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and re.fullmatch(r"\w+(\.\w+)*|[\w-]+:[\w-]+", node.value)
        ):
            names.append((node.lineno, node.value))
    return sorted(names)


def _higher(app: str, other: str | None) -> bool:
    return other is not None and LAYER[other] > LAYER[app]


def _violations(app: str, namespaces: dict[str, str], libraries: dict[str, str]) -> list[str]:
    found: list[str] = []
    for path in sorted((ROOT / app).rglob("*")):
        where = path.relative_to(ROOT)
        if "locale" in path.parts or not path.is_file():
            continue
        if path.suffix == ".py":
            text = path.read_text(encoding="utf-8")
            for line, name in _strings_named(parse_source(text)):
                if ":" in name:
                    if _higher(app, namespaces.get(name.split(":", 1)[0])):
                        found.append(f"{where}:{line} names the URL {name}")
                    continue
                named = _app_of(name) if "." in name else (name if name in LAYER else None)
                if _higher(app, named) and (
                    "." in name or f'get_model("{name}"' in text or f"get_model('{name}'" in text
                ):
                    found.append(f"{where}:{line} names {name}")
        elif path.suffix in {".html", ".txt"}:
            text = path.read_text(encoding="utf-8")
            for match in TEMPLATE_NAME.finditer(text):
                if _higher(app, _app_of(match.group(1))):
                    found.append(f"{where} uses the template {match.group(1)}/…")
            for match in TEMPLATE_LIBRARY.finditer(text):
                for library in match.group(1).split():
                    if _higher(app, libraries.get(library)):
                        found.append(f"{where} loads {library} of {libraries[library]}")
            for match in URL_NAME.finditer(text):
                if _higher(app, namespaces.get(match.group(1))):
                    found.append(f"{where} names the URL {match.group(0)}")
    return found


def test_every_app_of_the_project_has_a_layer():
    assert set(_project_apps()) <= set(LAYER), "add the new app to LAYER (and to DESIGN.md)"


def test_no_app_names_an_app_above_it():
    namespaces, libraries = _namespaces(), _libraries()
    # The walk sees the namespaces of the apps above, mounted through the registries.
    assert {
        "panel-sales",
        "panel-offers",
        "panel-commissions",
        "ops-referrals",
        "ops-audit",
    } <= set(namespaces)
    violations = [
        violation
        for app in LAYER
        if (ROOT / app).is_dir()
        for violation in _violations(app, namespaces, libraries)
    ]
    assert violations == []


def test_the_check_finds_what_the_registries_replaced(tmp_path, monkeypatch):
    """The ties removed from main are what this check reports (so it is not blind)."""
    app = tmp_path / "tenants"
    (app / "templates").mkdir(parents=True)
    (app / "templates" / "nav.html").write_text(
        "{% load ops_nav %}{% url 'panel-sales:list' %}{% include \"policies/ops/_pages.html\" %}",
        encoding="utf-8",
    )
    (app / "views.py").write_text(
        'from django.apps import apps\nline = apps.get_model("policies", "Line")\n'
        'urls = "referrals.panel_urls"\nback = reverse("panel-sales:list")\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    violations = _violations("tenants", {"panel-sales": "policies"}, {"ops_nav": "policies"})
    assert violations == [
        "tenants/templates/nav.html uses the template policies/…",
        "tenants/templates/nav.html loads ops_nav of policies",
        "tenants/templates/nav.html names the URL 'panel-sales:list'",
        "tenants/views.py:2 names policies",
        "tenants/views.py:3 names referrals.panel_urls",
        "tenants/views.py:4 names the URL panel-sales:list",
    ]

"""Every code the system stores has a name people read (core.labels).

The source is read for every audit action, sales-record event, system actor and changed
field it writes; each must be named in its registry (a code built from a pattern, such as
``order.{state}``, must match named codes). A new code without a name fails here, so no page
or file ever falls back to a generic name for a code the code base knows.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.utils import translation

from core.labels import (
    ACTORS,
    AUDIT_ACTION_GROUPS,
    AUDIT_ACTIONS,
    AUDIT_FIELDS,
    PAYMENT_GATEWAYS,
    actor_label,
    audit_field_label,
    audit_value,
)
from policies.labels import SALES_EVENTS
from policies.models import Order, Payment
from tests.sources import parse_source

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "node_modules", "tests", "migrations", "benchmarks", "scripts"}
AUDIT_CALLS = {"audit_record", "AuditLog"}
EVENT_CALLS = {"sales_event_record", "SalesEvent", "order_transition"}


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        if not SKIP.intersection(path.relative_to(ROOT).parts):
            yield path, parse_source(path.read_text(encoding="utf-8"))


def _name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def _written(node: ast.expr) -> list[str | re.Pattern[str]]:
    """The codes an argument can be: constants, both sides of ``a if c else b``, and an
    f-string as a pattern."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _written(node.body) + _written(node.orelse)
    if isinstance(node, ast.BoolOp):
        return [code for value in node.values for code in _written(value)]
    if isinstance(node, ast.JoinedStr):
        parts = [
            re.escape(value.value) if isinstance(value, ast.Constant) else r"[a-z_]+"
            for value in node.values
        ]
        return [re.compile("".join(parts))]
    return []  # a variable: its values are written where it is set


def _codes(calls: set[str], keyword: str) -> dict[str | re.Pattern[str], str]:
    found: dict[str | re.Pattern[str], str] = {}
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) in calls:
                for argument in node.keywords:
                    if argument.arg == keyword:
                        for code in _written(argument.value):
                            found[code] = str(path.relative_to(ROOT))
    return found


def _unnamed(codes, registry) -> list[tuple[str, str]]:
    missing = []
    for code, where in codes.items():
        if isinstance(code, str):
            if code not in registry:
                missing.append((code, where))
        elif not any(code.fullmatch(named) for named in registry.codes()):
            missing.append((code.pattern, where))
    return missing


def test_the_source_is_read():
    actions = _codes(AUDIT_CALLS, "action")
    assert {"policy.issued", "settlement_batch.built", "commission.computed"} <= set(actions)
    assert any(isinstance(code, re.Pattern) for code in actions)
    assert "payment_verified" in _codes(EVENT_CALLS, "event")


def test_every_audit_action_has_a_name_and_a_family():
    assert _unnamed(_codes(AUDIT_CALLS, "action"), AUDIT_ACTIONS) == []
    families = {code.split(".", 1)[0] for code in AUDIT_ACTIONS.codes()}
    assert sorted(family for family in families if family not in AUDIT_ACTION_GROUPS) == []


def test_every_sales_record_event_has_a_name():
    assert _unnamed(_codes(EVENT_CALLS, "event"), SALES_EVENTS) == []
    # order_transition's own event: "order_<state>" for every state an order can reach.
    assert [s for s in Order.State.values if f"order_{s}" not in SALES_EVENTS] == []
    # payment.{state}: every state a payment can take.
    assert [s for s in Payment.State.values if f"payment.{s}" not in AUDIT_ACTIONS] == []


def test_every_system_actor_has_a_name():
    codes = _codes(AUDIT_CALLS | EVENT_CALLS | {"AuditLog"}, "actor_label")
    gateways = {code for code in codes if isinstance(code, re.Pattern)}
    assert {pattern.pattern for pattern in gateways} == {r"gateway:[a-z_]+"}
    plain = {code: where for code, where in codes.items() if isinstance(code, str)}
    assert _unnamed(plain, ACTORS) == []
    assert set(PAYMENT_GATEWAYS.codes()) >= {"sandbox", "zarinpal"}


def _change_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for path, tree in _sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node) in AUDIT_CALLS:
                for argument in node.keywords:
                    if argument.arg == "changes" and isinstance(argument.value, ast.Dict):
                        for key in argument.value.keys:
                            if isinstance(key, ast.Constant):
                                keys[key.value] = str(path.relative_to(ROOT))
    return keys


def test_every_changed_field_has_a_name():
    """A key is a field of a model (named by its verbose name) or registered."""
    fields = {
        field.name
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if hasattr(field, "verbose_name")
    }
    named = {code.rsplit(".", 1)[-1] for code in AUDIT_FIELDS.codes()}
    keys = _change_keys()
    assert {"rules", "from", "payout", "document", "details"} <= set(keys)
    assert sorted(key for key in keys if key not in fields | named) == []


def test_a_code_nobody_named_shows_a_generic_name_never_itself():
    with translation.override("fa"):
        assert AUDIT_ACTIONS.label("something.new") == "تغییر دیگر"
        assert SALES_EVENTS.label("something_new") == "گام دیگری از فروش"
        assert audit_field_label("policies.order", "brand_new_key") == "جزئیات دیگر"
        assert audit_field_label("policies.order", "delivery_method") == "تحویل"
        assert actor_label(user=None, label="some_part") == ("سامانه", "")
        assert actor_label(user=None, label="gateway:zarinpal") == ("درگاه بانک (زرین‌پال)", "")
        assert actor_label(user=None, label="09121234567") == ("۰۹۱۲۱۲۳۴۵۶۷", "09121234567")
    with translation.override("en"):
        assert AUDIT_ACTIONS.label("order.paid") == "Order paid"
        assert actor_label(user=None, label="gateway:sandbox")[0] == (
            "Bank gateway (Sandbox bank (development))"
        )


@pytest.mark.django_db
def test_values_are_shown_in_words_and_tehran_time():
    with translation.override("fa"):
        assert audit_value("policies.order", "state", "awaiting_payment") == "در انتظار پرداخت"
        assert audit_value("policies.order", "delivery_method", "post") == "پست"
        assert audit_value(
            "accounts.user", "identity_verified_at", "2026-11-21T20:30:00+00:00"
        ) == ("۱۴۰۵/۰۹/۰۱ ۰۰:۰۰")
        assert audit_value("policies.salesplan", "starts_on", "2026-11-22") == "۱۴۰۵/۰۹/۰۱"
        assert audit_value("tenants.agency", "accepts_referrals", True) == "بله"
        assert audit_value("settlement.settlementexport", "items", 500000) == "۵۰۰٬۰۰۰"
        assert audit_value("policies.order", "agency", 12) == "۱۲"
        assert audit_value("policies.order", "note", None) == "—"
        # A dict the log kept as its text is read back, each key by its name.
        assert audit_value("policies.order", "other", "{'state': 'paid'}") == "وضعیت: پرداخت‌شده"
    with translation.override("en"):
        assert audit_value("accounts.user", "identity_verified_at", "2026-11-21T20:30:00Z") == (
            "1405/09/01 00:00"
        )
        assert audit_value("settlement.settlementexport", "items", 500000) == "500,000"


def test_the_actions_written_by_sql_are_named():
    """The referral accept writes its audit rows in one SQL statement (decision 064), which
    the source scan cannot read: its actions are named here."""
    for action in ("referral.accepted", "order.agency_assigned"):
        assert action in AUDIT_ACTIONS, action

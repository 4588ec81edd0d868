"""Bad input is a field error, never a 500: every field is bounded before the database.

Two walks find a gap wherever it is: every form class of the apps (and every line's
question forms), and every request body of the API schema. Then the cases that were
500s: a 300-character surname on the API, NUL characters, a number past its column.
"""

from __future__ import annotations

import importlib
import json
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.fields import CharField

from accounts.models import User
from core.digits import localize_numbers
from policies.forms import answers_form_class
from policies.models import Line, Order
from policies.services.catalog import catalog_load
from tests.factories import create_user

APPS = ("core", "tenants", "accounts", "policies", "referrals", "settlement", "reports")

# Fields whose value never reaches a column as typed, with the reason.
UNBOUNDED_ON_PURPOSE = {
    # Hashed before it is stored: any length fits the column.
    ("accounts.admin.UserCreationAdminForm", "password1"),
    ("accounts.admin.UserCreationAdminForm", "password2"),
}


def _form_classes() -> list[type[forms.BaseForm]]:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" not in module.name and ".management" not in module.name:
                importlib.import_module(module.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = {cls for cls in subclasses(forms.BaseForm) if cls.__module__.split(".")[0] in APPS}
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__name__}")


def _model_field(form_class, name):
    meta = getattr(form_class, "_meta", None)
    model = getattr(meta, "model", None)
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:
        return None


def _gaps(form_class) -> list[str]:
    """Fields of ``form_class`` that could carry a value its column cannot hold."""
    label = f"{form_class.__module__}.{form_class.__name__}"
    gaps = []
    for name, field in form_class.base_fields.items():
        if (label, name) in UNBOUNDED_ON_PURPOSE:
            continue
        column = _model_field(form_class, name)
        # A ModelForm field of a TextField is exempt: PostgreSQL text has no length to overflow.
        text_column = column is not None and column.get_internal_type() == "TextField"
        if isinstance(field, forms.CharField) and field.max_length is None and not text_column:
            gaps.append(f"{label}.{name}: text without max_length")
        if isinstance(field, forms.IntegerField) and not isinstance(field, forms.DecimalField):
            bounded = field.max_value is not None or any(
                isinstance(v, MaxValueValidator)
                for v in [*field.validators, *(column.validators if column else [])]
            )
            if not bounded:
                gaps.append(f"{label}.{name}: whole number without a maximum")
        if isinstance(field, forms.DecimalField) and field.max_digits is None:
            gaps.append(f"{label}.{name}: decimal without max_digits")
    return gaps


def test_every_form_field_of_the_apps_is_bounded():
    classes = _form_classes()
    assert len(classes) >= 25  # the walk found the forms (it would pass on none)
    gaps = [gap for form_class in classes for gap in _gaps(form_class)]
    assert gaps == []


@pytest.mark.django_db
def test_every_question_form_of_every_line_is_bounded():
    catalog_load()
    lines = list(Line.objects.all())
    assert lines
    gaps = [
        gap
        for line in lines
        for stage in ("quote", "details")
        for gap in _gaps(answers_form_class(line=line, stage=stage))
    ]
    assert gaps == []


def _request_bodies() -> dict[str, dict]:
    document = SchemaGenerator().get_schema(request=None, public=True)
    schema = json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))
    components = schema["components"]["schemas"]
    bodies = {}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                name = content["schema"]["$ref"].rsplit("/", 1)[1]
                bodies[f"{method.upper()} {path}"] = components[name]
    return bodies


def _unbounded(prop: dict, where: str) -> list[str]:
    alternatives = prop.get("oneOf", []) + prop.get("anyOf", [])
    if alternatives:
        return [gap for alternative in alternatives for gap in _unbounded(alternative, where)]
    if "$ref" in prop or "allOf" in prop or "enum" in prop:
        return []  # an enum
    kind = prop.get("type")
    if (
        kind == "string"
        and "maxLength" not in prop
        and prop.get("format")
        not in (
            "date",
            "date-time",
            "uuid",
            "binary",
        )
    ):
        return [f"{where}: text without maxLength"]
    if kind == "integer" and "maximum" not in prop:
        return [f"{where}: integer without maximum"]
    if kind == "object":
        gaps = [] if "maxProperties" in prop or "properties" in prop else [f"{where}: open map"]
        extra = prop.get("additionalProperties")
        if isinstance(extra, dict):
            gaps += _unbounded(extra, f"{where}.*")
        return gaps
    return []


def test_every_request_field_of_the_api_schema_is_bounded():
    bodies = _request_bodies()
    assert (
        len(bodies) == 33
    )  # 14; sign-up 3, advice 4, claims 2, support 6, cancellations 3, renewal 1
    gaps = [
        gap
        for operation, body in bodies.items()
        for name, prop in body["properties"].items()
        for gap in _unbounded(prop, f"{operation} {name}")
    ]
    assert gaps == []


# --- the cases that were 500s -------------------------------------------------------------


@pytest.fixture
def draft_order(db, client):
    from tests.policies.fixtures_sales import make_order

    catalog_load()
    line = Line.objects.get(code="third_party")
    customer = create_user()
    order = make_order(line=line, tariff=line.tariff_versions.first(), customer=customer)
    client.force_login(customer)
    return order


INSURED = {
    "first_name": "مریم",
    "last_name": "احمدی",
    "national_code": "0013542419",
    "birth_date": "1991-04-20",
    "mobile": "09121112233",
}


def _snapshot(order: Order) -> tuple:
    order.refresh_from_db()
    return (order.insured_first_name, order.insured_last_name, order.state, order.updated_at)


@pytest.mark.django_db
def test_a_300_character_surname_on_the_api_is_a_persian_400_and_nothing_changes(
    client, draft_order
):
    before = _snapshot(draft_order)
    response = client.put(
        f"/api/orders/{draft_order.public_id}/insured/",
        {**INSURED, "last_name": "ا" * 300},
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    with translation.override("fa"):
        message = CharField().error_messages["max_length"].format(max_length=100)
    assert response.status_code == 400
    assert response.json() == {
        "detail": message,
        "code": "invalid",
        "fields": {"last_name": [message]},
    }
    assert _snapshot(draft_order) == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        ("insured/", "put", {**INSURED, "first_name": "مر\x00یم"}, "first_name"),
        ("details/", "put", {"answers": {"plate_number": "۱۲ب\x00۳۴۵"}}, "answers.plate_number"),
    ],
)
def test_a_nul_character_is_a_400_on_its_field(client, draft_order, path, method, body, field):
    before = _snapshot(draft_order)
    response = getattr(client, method)(
        f"/api/orders/{draft_order.public_id}/{path}",
        body,
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert _snapshot(draft_order) == before


@pytest.mark.django_db
def test_a_coordinate_past_any_range_is_a_400_not_a_500(client):
    client.force_login(create_user(insurer_role=User.InsurerRole.OPERATOR))
    response = client.post(
        "/api/agencies/",
        {
            "code": 812604,
            "name": "نمایندگی",
            "kind": "agent",
            "latitude": 1.2e308,
            "longitude": 51.4,
            "owner_mobile": "09121234567",
        },
        content_type="application/json",
        HTTP_HOST="localhost",
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"latitude": ["مقداری بین -۹۰ و ۹۰ وارد کنید."]}


@pytest.mark.django_db
def test_an_id_of_the_wrong_form_is_a_json_404(client):
    client.force_login(create_user())
    response = client.post("/api/orders/null,null/cancel/", HTTP_HOST="localhost")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_an_email_longer_than_its_column_is_a_field_error_on_the_profile_page(client):
    user = create_user()
    client.force_login(user)
    email = f"{'a' * 60}@{'b' * 60}.{'c' * 60}.{'d' * 60}.example.com"  # valid, 255 characters
    assert len(email) > User._meta.get_field("email").max_length
    response = client.post(
        "/accounts/profile/",
        {"first_name": "", "last_name": "", "national_code": "", "birth_date": "", "email": email},
        HTTP_HOST="localhost",
    )
    with translation.override("fa"), pytest.raises(ValidationError) as refused:
        MaxLengthValidator(254)(email)
    assert response.status_code == 200
    # The page writes the numbers of Django's message in Persian digits.
    with translation.override("fa"):
        expected = [localize_numbers(message) for message in refused.value.messages]
    assert response.context["form"].errors["email"] == expected
    user.refresh_from_db()
    assert user.email == ""

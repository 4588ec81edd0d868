"""Iranian identifiers: mobile numbers, national codes, Sheba numbers."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core.validators import (
    national_code_is_valid,
    normalize_mobile,
    normalize_national_code,
    normalize_sheba,
    sheba_is_valid,
    validate_mobile,
    validate_national_code,
    validate_sheba,
)


@pytest.fixture(autouse=True)
def _persian():
    with translation.override("fa"):
        yield


@pytest.mark.parametrize(
    "typed",
    [
        "09121234567",
        "9121234567",
        "+989121234567",
        "00989121234567",
        "989121234567",
        "+98 0912 123 4567",
        "۰۹۱۲۱۲۳۴۵۶۷",
        "٠٩١٢١٢٣٤٥٦٧",
        "+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷",
        "۰۰۹۸۹۱۲۱۲۳۴۵۶۷",
        "0912-123-4567",
        "(0912) 123 4567",
        " 0912 123 45 67 ",
        "\u200e0912\u200c1234567\u200f",
        "۰۹۱۲-۱۲۳-٤٥٦٧",
    ],
)
def test_every_spelling_of_a_mobile_is_stored_the_same(typed):
    assert normalize_mobile(typed) == "09121234567"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "0912123456",
        "091212345678",
        "08121234567",
        "02112345678",
        "+19121234567",
        "+989121234",
        "0098912123456789",
        "0912abc4567",
        "09121234567x",
        "۰۹۱۲۱۲۳۴۵۶",
    ],
)
def test_invalid_mobiles_are_refused_in_persian(typed):
    with pytest.raises(ValidationError) as refused:
        normalize_mobile(typed)
    assert refused.value.code == "invalid_mobile"
    assert refused.value.messages == ["شماره موبایل معتبر وارد کنید، مثلاً ۰۹۱۲۱۲۳۴۵۶۷."]
    with pytest.raises(ValidationError):
        validate_mobile(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0012345679", "0012345679"),
        ("0499370899", "0499370899"),
        ("1234567891", "1234567891"),
        ("0022789308", "0022789308"),
        ("۰۴۹۹۳۷۰۸۹۹", "0499370899"),
        ("٠٤٩٩٣٧٠٨٩٩", "0499370899"),
        ("049-937089-9", "0499370899"),
        ("12345679", "0012345679"),  # leading zeros left out
        ("499370899", "0499370899"),
    ],
)
def test_valid_national_codes(typed, stored):
    assert normalize_national_code(typed) == stored
    validate_national_code(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "0012345678",  # wrong check digit
        "0499370898",
        "1234567890",
        "0000000000",  # all digits equal
        "1111111111",
        "123",
        "12345678901",
        "abcdefghij",
        "",
    ],
)
def test_invalid_national_codes_are_refused_in_persian(typed):
    assert not national_code_is_valid(typed)
    with pytest.raises(ValidationError) as refused:
        normalize_national_code(typed)
    assert refused.value.code == "invalid_national_code"
    assert refused.value.messages == ["کد ملی معتبر نیست."]


@pytest.mark.parametrize(
    "typed",
    [
        "IR820540102680020817909002",
        "IR062960000000100324200001",
        "ir82 0540 1026 8002 0817 9090 02",
        "IR۸۲۰۵۴۰۱۰۲۶۸۰۰۲۰۸۱۷۹۰۹۰۰۲",
    ],
)
def test_valid_sheba(typed):
    assert sheba_is_valid(typed)
    assert normalize_sheba(typed) in ("IR820540102680020817909002", "IR062960000000100324200001")


def test_sheba_without_ir_is_normalised():
    assert normalize_sheba("820540102680020817909002") == "IR820540102680020817909002"
    validate_sheba("IR820540102680020817909002")
    with pytest.raises(ValidationError):
        validate_sheba("820540102680020817909002")  # stored values carry IR


@pytest.mark.parametrize(
    "typed",
    [
        "IR820540102680020817909003",  # one digit changed
        "IR830540102680020817909002",  # check digits changed
        "DE820540102680020817909002",
        "IR82054010268002081790900",  # too short
        "IR8205401026800208179090021",
        "",
    ],
)
def test_invalid_sheba_is_refused_in_persian(typed):
    assert not sheba_is_valid(typed)
    with pytest.raises(ValidationError) as refused:
        normalize_sheba(typed)
    assert refused.value.messages == ["شماره شبا معتبر نیست."]
    with pytest.raises(ValidationError):
        validate_sheba(typed)

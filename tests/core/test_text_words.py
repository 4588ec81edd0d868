"""core.text.words: the typed words become a safe prefix query whatever they hold (quotes,
backslashes, operators of tsquery), each as its search key."""

from __future__ import annotations

import pytest
from django.db import connection

from core.text.words import words_query

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "stored", "found"),
    [
        ("O'Brien", ["o'brien"], True),
        ("a\\b", ["a\\b"], True),
        ("x & !y | (z", ["x", "&", "!y", "|", "(z"], True),
        ("كاظم ۱۲", ["کاظمی", "1234"], True),
        ("ظم", ["کاظمی"], False),
    ],
)
def test_the_query_is_a_prefix_of_each_words_key_and_never_breaks(typed, stored, found):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT array_to_tsvector(%s::text[]) @@ %s::tsquery", [stored, words_query(typed)]
        )
        assert cursor.fetchone()[0] is found


def test_an_empty_query_is_empty():
    assert words_query("  \u200c ") == ""

"""Reading the project's own source in tests."""

from __future__ import annotations

import ast

# CPython 3.11 up to 3.11.7 counts the AST converter's recursion depth per interpreter, not per
# thread (python/cpython#106905): while another thread compiles Python (the session's live
# server answering a browser test's last request), ``ast.parse`` can fail with "AST constructor
# recursion depth mismatch" although the source is fine. Parsing again succeeds.
_ATTEMPTS = 5


def parse_source(text: str) -> ast.Module:
    """``ast.parse(text)``, tried again when the interpreter's shared depth counter misfires."""
    for attempt in range(_ATTEMPTS):
        try:
            return ast.parse(text)
        except SystemError as error:
            if "recursion depth mismatch" not in str(error) or attempt == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")

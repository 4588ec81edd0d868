"""A sandbox of the core issuing system's side of settlement, for development and demos: it
reads a settlement file as the core system would (header, D and R lines, B and T control totals)
and answers with a confirmation file in the documented format, giving each policy a number
of its own. It can leave items out or book other amounts, to show what differences look like.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from settlement.file_format import CONFIRMATION_HEADER, LINE_END, SETTLEMENT_HEADER


class SettlementFileRefused(ValueError):
    """What the core system would say of a settlement file it cannot take."""


def core_confirmation(
    settlement_csv: str,
    *,
    leave_out: Iterable[int] = (),
    book_instead: dict[int, int] | None = None,
) -> str:
    """The confirmation of ``settlement_csv``. ``leave_out`` and ``book_instead`` name items
    by their position in the file (0 for the first D or R line)."""
    rows = list(csv.reader(io.StringIO(settlement_csv)))
    if not rows or tuple(rows[0]) != SETTLEMENT_HEADER:
        raise SettlementFileRefused("not a settlement file: the header is wrong")
    details = [row for row in rows[1:] if row and row[0] in ("D", "R")]
    totals = [row for row in rows[1:] if row and row[0] == "T"]
    if len(totals) != 1 or rows[-1][0] != "T":
        raise SettlementFileRefused("the file has no totals line: it is incomplete")
    _record, number, _day, _batches, items, amount, _commission = totals[0]
    if int(items) != len(details) or int(amount) != sum(int(row[13]) for row in details):
        raise SettlementFileRefused("the totals line does not add up")
    skipped, changed = set(leave_out), book_instead or {}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=LINE_END)
    writer.writerow(CONFIRMATION_HEADER)
    count = total = 0
    for position, row in enumerate(details):
        if position in skipped:
            continue
        item_id, policy_number, paid = row[5], row[6], int(row[13])
        booked = changed.get(position, paid)
        writer.writerow(["C", number, item_id, policy_number, f"FN{int(item_id):012d}", booked])
        count, total = count + 1, total + booked
    writer.writerow(["T", number, count, total])
    return out.getvalue()

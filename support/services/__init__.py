"""Every write of support tickets (decision 051): opening, replying, closing by the customer
or agency; answering, internal notes, assignment and closing by insurer staff; escalation of
late tickets and the notices of answers.

Each write is one transaction that locks the ticket (``select_for_update``), checks the move
against ``ALLOWED_MOVES``, and leaves an audit row with its actor. A service in which an
agency acts re-reads the agency's status under a lock (decision 015). SMS and e-mail go out
after the commit.
"""

from support.services.notices import (
    answer_notices_resume,
    answer_notify,
    tickets_escalate_due,
)
from support.services.staff import staff_answer, staff_close, staff_note, ticket_assign
from support.services.tickets import (
    ALLOWED_MOVES,
    BODY_MAX,
    MAX_ATTACHMENTS,
    MAX_FILES_AT_ONCE,
    SUBJECT_MAX,
    MoveNotAllowed,
    Party,
    TicketClosed,
    _move,
    ticket_attach,
    ticket_close,
    ticket_open,
    ticket_reply,
)

__all__ = [
    "ALLOWED_MOVES",
    "BODY_MAX",
    "MAX_ATTACHMENTS",
    "MAX_FILES_AT_ONCE",
    "SUBJECT_MAX",
    "MoveNotAllowed",
    "Party",
    "TicketClosed",
    "_move",
    "answer_notices_resume",
    "answer_notify",
    "staff_answer",
    "staff_close",
    "staff_note",
    "ticket_assign",
    "ticket_attach",
    "ticket_close",
    "ticket_open",
    "ticket_reply",
    "tickets_escalate_due",
]

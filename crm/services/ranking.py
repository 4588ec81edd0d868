"""Customer ranking (S-6.4): the agency's weights, and every customer's score and band
recomputed in one set-based statement.

The measures of a live customer:

- premium paid and number of purchases: the agency's own sales in the book (``origin =
  ledger``), not cancelled;
- commission earned: ``BookPolicy.commission`` of those sales where it is recorded (crm may
  not read settlement; decision 030);
- claims paid: ``ClaimRecord.paid_amount`` of paid claims;
- loss ratio: claims paid / premium paid (0 without premium);
- bounced cheques: instruments in the state ``bounced`` now.

Each measure is normalised to its percentile rank among the agency's live customers
(``percent_rank``: 0 for the lowest, 1 for the highest, ties equal), so a rial and a count
weigh alike and one huge customer does not flatten everyone else. The score is the weighted
sum of the good measures minus the weighted sum of the bad ones (claims paid, loss ratio,
bounced cheques). Bands by the share of customers scoring at least as much (``cume_dist``):
the top ``band_a_percent`` are A, the next ``band_b_percent`` B, the next ``band_c_percent``
C, the rest D; customers with the same score always share a band.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.digits import number_text
from core.queue import enqueue_on_commit
from crm.models import BookPolicy, ClaimRecord, Customer, CustomerRank, Instrument, RankingWeights
from crm.services.base import actor_id, agency_write, audit_record
from crm.tenancy import schema_require

logger = logging.getLogger(__name__)

WEIGHT_FIELDS = (
    "premium_paid",
    "purchase_count",
    "commission",
    "claims_paid",
    "loss_ratio",
    "bounced_cheques",
)
BAND_FIELDS = ("band_a_percent", "band_b_percent", "band_c_percent")
WEIGHT_MAX = Decimal("100")

# Memory for the recompute's sorts (per sort, this transaction only).
RECOMPUTE_WORK_MEM_MB = 128
# Serialises two recomputes of one schema (a button pressed twice, the nightly run).
_LOCK_KEY = "crm-ranking"

_RECOMPUTE_SQL = """
WITH weights AS (
    SELECT premium_paid, purchase_count, commission, claims_paid, loss_ratio,
           bounced_cheques, band_a_percent, band_b_percent, band_c_percent
    FROM {weights} WHERE id = 1
),
gone AS (
    -- A customer merged into another keeps no rank of its own.
    DELETE FROM {rank} AS r USING {customer} AS c
    WHERE c.id = r.customer_id AND c.merged_into_id IS NOT NULL
),
sales AS (
    SELECT customer_id,
           COALESCE(SUM(premium), 0) AS premium_paid,
           COUNT(*) AS purchase_count,
           COALESCE(SUM(commission), 0) AS commission
    FROM {book}
    WHERE origin = 'ledger' AND state <> 'cancelled'
    GROUP BY customer_id
),
claims AS (
    SELECT customer_id, SUM(paid_amount) AS claims_paid
    FROM {claim}
    WHERE state = 'paid' AND paid_amount IS NOT NULL
    GROUP BY customer_id
),
bounced AS (
    SELECT customer_id, COUNT(*) AS bounced_cheques
    FROM {instrument}
    WHERE state = 'bounced'
    GROUP BY customer_id
),
measures AS MATERIALIZED (
    SELECT c.id AS customer_id,
           COALESCE(s.premium_paid, 0) AS premium_paid,
           COALESCE(s.purchase_count, 0) AS purchase_count,
           COALESCE(s.commission, 0) AS commission,
           COALESCE(k.claims_paid, 0) AS claims_paid,
           CASE WHEN COALESCE(s.premium_paid, 0) > 0
                THEN LEAST(ROUND(COALESCE(k.claims_paid, 0) / s.premium_paid, 4), 99999.9999)
                ELSE 0 END AS loss_ratio,
           COALESCE(b.bounced_cheques, 0) AS bounced_cheques
    FROM {customer} AS c
    LEFT JOIN sales AS s ON s.customer_id = c.id
    LEFT JOIN claims AS k ON k.customer_id = c.id
    LEFT JOIN bounced AS b ON b.customer_id = c.id
    WHERE c.merged_into_id IS NULL
),
total AS (
    SELECT GREATEST(COUNT(*) - 1, 1)::float8 AS below_max, COUNT(*)::numeric AS customers
    FROM measures
),
{percentiles}
scored AS (
    SELECT m.*,
           ROUND((
               w.premium_paid * p1.pr::numeric
               + w.purchase_count * p2.pr::numeric
               + w.commission * p3.pr::numeric
               - w.claims_paid * p4.pr::numeric
               - w.loss_ratio * p5.pr::numeric
               - w.bounced_cheques * p6.pr::numeric
           ), 4) AS score
    FROM measures AS m
    CROSS JOIN weights AS w
    JOIN p_premium_paid AS p1 ON p1.v = m.premium_paid
    JOIN p_purchase_count AS p2 ON p2.v = m.purchase_count
    JOIN p_commission AS p3 ON p3.v = m.commission
    JOIN p_claims_paid AS p4 ON p4.v = m.claims_paid
    JOIN p_loss_ratio AS p5 ON p5.v = m.loss_ratio
    JOIN p_bounced_cheques AS p6 ON p6.v = m.bounced_cheques
),
score_counts AS (
    SELECT score, COUNT(*) AS n FROM scored GROUP BY score
),
score_tops AS (
    -- cume_dist() over the score, descending: the share scoring at least as much.
    SELECT sc.score, 100 * SUM(sc.n) OVER (ORDER BY sc.score DESC) / t.customers AS top_percent
    FROM score_counts AS sc CROSS JOIN total AS t
),
placed AS (
    SELECT s.*, st.top_percent FROM scored AS s JOIN score_tops AS st ON st.score = s.score
)
INSERT INTO {rank} AS r (
    customer_id, score, band, premium_paid, purchase_count, commission, claims_paid,
    loss_ratio, bounced_cheques, computed_at
)
SELECT p.customer_id,
       p.score,
       CASE WHEN p.top_percent <= w.band_a_percent THEN 'A'
            WHEN p.top_percent <= w.band_a_percent + w.band_b_percent THEN 'B'
            WHEN p.top_percent <= w.band_a_percent + w.band_b_percent + w.band_c_percent
                THEN 'C'
            ELSE 'D' END,
       p.premium_paid, p.purchase_count, p.commission, p.claims_paid, p.loss_ratio,
       p.bounced_cheques, now()
FROM placed AS p CROSS JOIN weights AS w
ON CONFLICT (customer_id) DO UPDATE SET
    score = EXCLUDED.score,
    band = EXCLUDED.band,
    premium_paid = EXCLUDED.premium_paid,
    purchase_count = EXCLUDED.purchase_count,
    commission = EXCLUDED.commission,
    claims_paid = EXCLUDED.claims_paid,
    loss_ratio = EXCLUDED.loss_ratio,
    bounced_cheques = EXCLUDED.bounced_cheques,
    computed_at = EXCLUDED.computed_at
WHERE (r.score, r.band, r.premium_paid, r.purchase_count, r.commission, r.claims_paid,
       r.loss_ratio, r.bounced_cheques)
    IS DISTINCT FROM
      (EXCLUDED.score, EXCLUDED.band, EXCLUDED.premium_paid, EXCLUDED.purchase_count,
       EXCLUDED.commission, EXCLUDED.claims_paid, EXCLUDED.loss_ratio,
       EXCLUDED.bounced_cheques)
"""


# percent_rank() of a measure, per distinct value: the share of the other customers with a
# lower value. Grouping first keeps the sort to the distinct values (most customers share
# a zero), and a hash join brings it back to each customer.
_PERCENTILE_SQL = """
p_{measure} AS (
    SELECT d.v, (SUM(d.n) OVER (ORDER BY d.v) - d.n) / t.below_max AS pr
    FROM (SELECT {measure} AS v, COUNT(*) AS n FROM measures GROUP BY {measure}) AS d
    CROSS JOIN total AS t
),"""
_MEASURES = (
    "premium_paid",
    "purchase_count",
    "commission",
    "claims_paid",
    "loss_ratio",
    "bounced_cheques",
)


def _recompute_sql() -> str:
    return _RECOMPUTE_SQL.format(
        percentiles="".join(_PERCENTILE_SQL.format(measure=m) for m in _MEASURES).lstrip("\n"),
        weights=RankingWeights._meta.db_table,
        rank=CustomerRank._meta.db_table,
        customer=Customer._meta.db_table,
        book=BookPolicy._meta.db_table,
        claim=ClaimRecord._meta.db_table,
        instrument=Instrument._meta.db_table,
    )


@dataclass(frozen=True)
class RecomputeResult:
    customers: int  # live customers ranked
    changed: int  # rank rows written (new or different); 0 when nothing changed


def ranking_recompute(*, agency: Any) -> RecomputeResult:
    """Rank every live customer of ``agency`` (its schema) in one statement; rows whose
    score, band and measures are unchanged are not rewritten, so a second run writes
    nothing. Runs for a suspended agency too: its data is kept current (the system acts)."""
    schema_require(agency)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{_LOCK_KEY}:{agency.schema_name}"]
        )
        # Hash tables and sorts of 200,000 customers in memory, not spilled to disk (the
        # default 4 MB spills); for this transaction only. JIT costs more than it saves here.
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
            [f"{RECOMPUTE_WORK_MEM_MB}MB"],
        )
        cursor.execute(_recompute_sql())
        changed = cursor.rowcount
        cursor.execute(
            f"SELECT COUNT(*) FROM {Customer._meta.db_table} WHERE merged_into_id IS NULL"  # noqa: S608
        )
        customers = cursor.fetchone()[0]
    logger.info("crm ranking %s: %s customers, %s changed", agency.schema_name, customers, changed)
    return RecomputeResult(customers=customers, changed=changed)


def ranking_recompute_request(*, agency: Any) -> None:
    """Have the ranking recomputed by a worker once the current transaction commits."""
    from crm.tasks import crm_ranking_recompute

    enqueue_on_commit(crm_ranking_recompute, agency.schema_name)


def weight_clean(field: str, value: object) -> Decimal:
    """A weight from a ``Decimal``, an int or text in any digits: 0 to 100, three decimals."""
    if isinstance(value, float):
        raise TypeError("Weights are Decimal, never float.")
    try:
        weight = value if isinstance(value, Decimal) else Decimal(number_text(value))
    except (InvalidOperation, ValueError, TypeError) as error:
        raise ValidationError({field: [_("Enter a number.")]}) from error
    if not weight.is_finite() or weight < 0 or weight > WEIGHT_MAX:
        raise ValidationError({field: [_("A weight is between 0 and 100.")]})
    if weight != weight.quantize(Decimal("0.001")):
        raise ValidationError({field: [_("A weight has at most three decimal places.")]})
    return weight.quantize(Decimal("0.001"))


def ranking_weights_update(*, agency: Any, actor: Any, **fields: Any) -> RankingWeights:
    """Change the weights and band percentiles (the single row, id 1); audited, and a
    recompute is queued once it commits. Nothing changed: nothing written, nothing queued."""
    unknown = set(fields) - set(WEIGHT_FIELDS) - set(BAND_FIELDS)
    if unknown:
        raise TypeError(f"ranking_weights_update cannot change {sorted(unknown)}")
    cleaned: dict[str, Any] = {}
    for field, value in fields.items():
        if field in WEIGHT_FIELDS:
            cleaned[field] = weight_clean(field, value)
        else:
            try:
                cleaned[field] = int(number_text(value))
            except (ValueError, TypeError) as error:
                raise ValidationError({field: [_("Enter a whole number.")]}) from error
            if not 0 <= cleaned[field] <= 100:
                raise ValidationError({field: [_("Enter a percentage between 0 and 100.")]})
    with agency_write(agency):
        weights = RankingWeights.objects.select_for_update().get(pk=1)
        changes: dict[str, tuple[Any, Any]] = {}
        for field, value in cleaned.items():
            old = getattr(weights, field)
            if old != value:
                changes[field] = (old, value)
                setattr(weights, field, value)
        if not changes:
            return weights
        if weights.band_a_percent + weights.band_b_percent + weights.band_c_percent > 100:
            raise ValidationError(
                {"band_c_percent": [_("Bands A, B and C together cannot exceed 100 percent.")]}
            )
        weights.updated_by_user_id = actor_id(actor)
        weights.save(update_fields=[*changes, "updated_by_user_id", "updated_at"])
        audit_record(
            agency=agency,
            actor=actor,
            action="ranking.weights_changed",
            target=weights,
            changes=changes,
        )
        ranking_recompute_request(agency=agency)
    return weights

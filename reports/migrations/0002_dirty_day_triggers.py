"""Whatever changes a figure of a summarised day marks the day dirty in the same transaction
(decision 060): statement-level triggers with transition tables on the tables the sales and
settlement reports count, so bulk SQL (a settlement build, a confirmation's COPY) costs one
trigger call per statement, and no code path can forget it.

Each changed day is first held with a shared transaction-level advisory lock (class
``reports.summaries.DAY_LOCK``, the day's number since 2000-01-01); a roll-up holds the same
key exclusively. So a roll-up waits for every open transaction that has touched its day, and
a change made while a day is being rolled up waits, then finds the day summarised and marks
it: no change can slip between the roll-up's read and its commit."""

from django.db import migrations

DAY = "(({0}) AT TIME ZONE 'Asia/Tehran')::date"

FUNCTIONS = """
CREATE OR REPLACE FUNCTION reports_days_changed(days date[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    d date;
BEGIN
    FOR d IN SELECT DISTINCT x FROM unnest(days) AS x WHERE x IS NOT NULL ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock_shared(24160, d - DATE '2000-01-01');
    END LOOP;
    -- A new statement, a new snapshot: a roll-up that committed while we waited is seen.
    UPDATE reports_summaryday SET dirty = true, changed_at = now()
    WHERE day = ANY(days) AND NOT dirty;
END $$;

CREATE OR REPLACE FUNCTION reports_policy_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reports_days_changed(ARRAY(SELECT DISTINCT {n_issued} FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM reports_days_changed(ARRAY(SELECT DISTINCT {o_issued} FROM old_rows o));
    ELSE
        PERFORM reports_days_changed(ARRAY(
            SELECT DISTINCT d FROM new_rows n JOIN old_rows o ON o.id = n.id,
                LATERAL (VALUES ({n_issued}), ({o_issued})) AS v(d)
            WHERE (n.issued_at, n.premium, n.agency_id, n.line_id, n.order_id)
                IS DISTINCT FROM (o.issued_at, o.premium, o.agency_id, o.line_id, o.order_id)
        ));
    END IF;
    RETURN NULL;
END $$;

-- A payment that becomes (or stops being) the order's successful one moves its policy in or
-- out of the unsettled policies, on the policy's issue day.
CREATE OR REPLACE FUNCTION reports_payment_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    orders bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        orders := ARRAY(SELECT order_id FROM new_rows WHERE state = 'succeeded');
    ELSIF TG_OP = 'DELETE' THEN
        orders := ARRAY(SELECT order_id FROM old_rows WHERE state = 'succeeded');
    ELSE
        orders := ARRAY(
            SELECT v.order_id FROM new_rows n JOIN old_rows o ON o.id = n.id,
                LATERAL (VALUES (n.order_id), (o.order_id)) AS v(order_id)
            WHERE (n.state = 'succeeded', n.order_id)
                IS DISTINCT FROM (o.state = 'succeeded', o.order_id)
        );
    END IF;
    IF cardinality(orders) > 0 THEN
        PERFORM reports_days_changed(ARRAY(
            SELECT DISTINCT {p_issued} FROM policies_policy p WHERE p.order_id = ANY(orders)
        ));
    END IF;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reports_batch_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reports_days_changed(ARRAY(SELECT DISTINCT day FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM reports_days_changed(ARRAY(SELECT DISTINCT day FROM old_rows));
    ELSE
        PERFORM reports_days_changed(ARRAY(
            SELECT DISTINCT d FROM new_rows n JOIN old_rows o ON o.id = n.id,
                LATERAL (VALUES (n.day), (o.day)) AS v(d)
            WHERE (n.day, n.state, n.agency_id, n.export_id)
                IS DISTINCT FROM (o.day, o.state, o.agency_id, o.export_id)
        ));
    END IF;
    RETURN NULL;
END $$;

-- An item counts on its batch's day; a sale's item also takes its policy out of the
-- unsettled ones of the policy's issue day. (Batch ids first, then the batches by their key:
-- a settlement build inserts hundreds of thousands of items in one statement.)
CREATE OR REPLACE FUNCTION reports_item_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    batches bigint[];
    days date[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        batches := ARRAY(SELECT DISTINCT batch_id FROM new_rows);
        days := ARRAY(SELECT DISTINCT {n_issued} FROM new_rows n WHERE n.payment_id IS NOT NULL);
    ELSIF TG_OP = 'DELETE' THEN
        batches := ARRAY(SELECT DISTINCT batch_id FROM old_rows);
        days := ARRAY(SELECT DISTINCT {o_issued} FROM old_rows o WHERE o.payment_id IS NOT NULL);
    ELSE
        batches := ARRAY(
            SELECT DISTINCT v.batch_id FROM new_rows n JOIN old_rows o ON o.id = n.id,
                LATERAL (VALUES (n.batch_id), (o.batch_id)) AS v(batch_id)
            WHERE (n.batch_id, n.amount, n.payment_id, n.issued_at)
                IS DISTINCT FROM (o.batch_id, o.amount, o.payment_id, o.issued_at)
        );
        days := ARRAY(
            SELECT DISTINCT d FROM new_rows n JOIN old_rows o ON o.id = n.id,
                LATERAL (VALUES ({n_issued}), ({o_issued})) AS v(d)
            WHERE (n.payment_id, n.issued_at) IS DISTINCT FROM (o.payment_id, o.issued_at)
        );
    END IF;
    PERFORM reports_days_changed(
        ARRAY(SELECT DISTINCT b.day FROM settlement_settlementbatch b WHERE b.id = ANY(batches))
        || days
    );
    RETURN NULL;
END $$;

-- The export's latest confirmation decides its items' state.
CREATE OR REPLACE FUNCTION reports_export_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM reports_days_changed(ARRAY(
            SELECT DISTINCT d FROM new_rows n JOIN old_rows o ON o.id = n.id,
                LATERAL (VALUES (n.day), (o.day)) AS v(d)
            WHERE (n.day, n.confirmation_id) IS DISTINCT FROM (o.day, o.confirmation_id)
        ));
    END IF;
    RETURN NULL;
END $$;

-- A difference counts on its export's day, and decides the state of its item (whose batch
-- is of that day too; both are marked).
CREATE OR REPLACE FUNCTION reports_mismatch_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    confirmations bigint[];
    items bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT confirmation_id), array_agg(DISTINCT item_id)
        INTO confirmations, items FROM new_rows;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT confirmation_id), array_agg(DISTINCT item_id)
        INTO confirmations, items FROM old_rows;
    ELSE
        SELECT array_agg(DISTINCT m.confirmation_id), array_agg(DISTINCT m.item_id)
        INTO confirmations, items
        FROM (SELECT confirmation_id, item_id FROM new_rows
              UNION ALL SELECT confirmation_id, item_id FROM old_rows) AS m;
    END IF;
    PERFORM reports_days_changed(ARRAY(
        SELECT e.day FROM settlement_settlementexport e
        JOIN settlement_settlementconfirmation c ON c.export_id = e.id
        WHERE c.id = ANY(confirmations)
        UNION
        SELECT b.day FROM settlement_settlementbatch b
        JOIN settlement_settlementitem i ON i.batch_id = b.id
        WHERE i.id = ANY(items)
    ));
    RETURN NULL;
END $$;
""".format(
    n_issued=DAY.format("n.issued_at"),
    o_issued=DAY.format("o.issued_at"),
    p_issued=DAY.format("p.issued_at"),
)

TABLES = {
    "policies_policy": "reports_policy_changed",
    "policies_payment": "reports_payment_changed",
    "settlement_settlementbatch": "reports_batch_changed",
    "settlement_settlementitem": "reports_item_changed",
    "settlement_settlementexport": "reports_export_changed",
    "settlement_settlementmismatch": "reports_mismatch_changed",
}
REFERENCING = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
}
TRIGGERS = "\n".join(
    f"CREATE TRIGGER reports_day_{event} AFTER {event.upper()} ON {table} "
    f"{referencing} FOR EACH STATEMENT EXECUTE FUNCTION {function}();"
    for table, function in TABLES.items()
    for event, referencing in REFERENCING.items()
)
DROP = "\n".join(
    f"DROP TRIGGER IF EXISTS reports_day_{event} ON {table};"
    for table in TABLES
    for event in REFERENCING
) + "\n".join(
    f"DROP FUNCTION IF EXISTS {function}();" for function in TABLES.values()
) + "\nDROP FUNCTION IF EXISTS reports_days_changed(date[]);"


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_day_summaries"),
        ("policies", "0012_policy_issued_cover"),
        ("settlement", "0005_refunds_and_clawbacks"),
    ]

    operations = [migrations.RunSQL(FUNCTIONS + TRIGGERS, DROP)]

"""The dashboard's sales and commission at scale (issue of scale, decision 061): the period's
figures come from one read of its policies per day, equal to the live count and sums, and
both statements are answered by covering indexes alone."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db.models import Count, Sum

from core.money import format_rials
from policies.dashboard import sales_figures
from policies.models import Policy
from settlement.dashboard import commission_figures
from tenants.panel.dashboard import period_for
from tests.core.plans import plan_of_statement
from tests.tenants.test_panel_dashboard import sales, sell  # noqa: F401 - sales: the fixture

pytestmark = pytest.mark.django_db
# A test's tables are tiny, so the planner would scan them: whole-table scans are off, and an
# index that holds every column read is read alone ("Index Only Scan").
# Plain index scans off too: on a handful of rows the agency's foreign-key index would do;
# what is asked is that a covering index can answer alone.
INDEX_ONLY = ("seqscan", "bitmapscan", "indexscan")


def test_the_period_s_figures_equal_the_live_count_and_sums(agency, sales, line, tariff, customer):  # noqa: F811 - the imported fixture
    sell(agency, line, tariff, customer, "4500000.00", days_ago=20)
    for key in ("30d", "month", "year"):
        period = period_for(key)
        cards = {
            item.key: item.value
            for item in sales_figures(agency, period)
            if not hasattr(item, "datasets")
        }
        live = Policy.objects.filter(
            agency=agency, issued_at__gte=period.start, issued_at__lt=period.end
        ).aggregate(n=Count("id"), total=Sum("premium"))
        assert cards["policies_sold"] == str(live["n"]), key
        assert cards["premium"] == format_rials(live["total"] or Decimal(0)), key
        chart = next(item for item in sales_figures(agency, period) if hasattr(item, "datasets"))
        assert sum(chart.datasets[0]["data"]) == live["n"], key
        assert sum(chart.datasets[1]["data"]) == int(live["total"] or 0), key


def test_sales_and_commission_are_read_from_covering_indexes_alone(agency, sales):  # noqa: F811 - the imported fixture
    period = period_for("30d")
    plan = plan_of_statement(
        lambda: sales_figures(agency, period), reading="policies_policy", off=INDEX_ONLY
    )
    # Either covering index answers alone (the reports' policy_issued_cover may win on a
    # handful of rows; at the agency's size the planner takes policy_agency_issued).
    assert re.search(r"Index Only Scan using policy_(agency_issued|issued_cover)\b", plan), plan
    assert "Seq Scan" not in plan, plan
    plan = plan_of_statement(
        lambda: commission_figures(agency, period), reading="settlement_commission", off=INDEX_ONLY
    )
    assert "Index Only Scan using commission_agency_issued" in plan, plan

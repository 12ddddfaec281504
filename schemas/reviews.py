"""The contract of `reviews_` extracts (docs/extracts.md §2)."""

from __future__ import annotations

from schemas.contract import Column, Contract, Rule, typed
from schemas.notifications import ID_PATTERN
from schemas.reference import codes

COLUMNS = (
    Column("notification_id", "id", True, pattern=ID_PATTERN),
    Column("record_updated_at", "datetime", True),
    Column("rapid_review_received_date", "date", False),
    Column("rapid_review_outcome", "code", True, codes=codes("rapid_review_outcome")),
    Column("lcspr_decision_date", "date", False),
    Column("lcspr_sent_to_panel_date", "date", False),
    Column("lcspr_published_date", "date", False),
)

RULES = (
    Rule(
        "decision_date_required",
        "lcspr_decision_date",
        "is required when rapid_review_outcome is lcspr",
        lambda _c: (typed("rapid_review_outcome") != "lcspr") | typed("lcspr_decision_date").is_not_null(),
    ),
    Rule(
        "published_before_decision",
        "lcspr_published_date",
        "must be on or after lcspr_decision_date",
        lambda _c: typed("lcspr_published_date") >= typed("lcspr_decision_date"),
    ),
)

CONTRACT = Contract(kind="reviews", columns=COLUMNS, rules=RULES)

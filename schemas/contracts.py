"""The contract of each extract kind, by kind."""

from schemas.contract import Contract
from schemas.la_context import CONTRACT as LA_CONTEXT
from schemas.notifications import CONTRACT as NOTIFICATIONS
from schemas.reviews import CONTRACT as REVIEWS

CONTRACTS: dict[str, Contract] = {c.kind: c for c in (NOTIFICATIONS, REVIEWS, LA_CONTEXT)}

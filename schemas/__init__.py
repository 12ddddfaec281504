"""pandera contracts of the extracts that land, one module per extract kind."""

from schemas.contract import Contract
from schemas.la_context import CONTRACT as LA_CONTEXT
from schemas.notifications import CONTRACT as NOTIFICATIONS
from schemas.reviews import CONTRACT as REVIEWS

CONTRACTS: dict[str, Contract] = {c.kind: c for c in (NOTIFICATIONS, REVIEWS, LA_CONTEXT)}

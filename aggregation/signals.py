"""Signals of the rollup layer, for readers that keep stored rows of their own beside it.

The read side (`stats`) imports this app, never the other way round: what it derives from a
day's stored sessions, it writes when told the day is stored.
"""

from django.dispatch import Signal

# Sent inside the storing transaction (`website_id`, `day`) once a day's sessions and rollups are
# stored and the day's `AggregationDay` row says so: by `day_aggregate` (the whole day, marked
# aggregated) and by `day_closed_sessions_store` (the closed sessions of a day still collecting,
# `sessions_cutoff` set). Receivers write in the same transaction; an error in one rolls it back.
day_sessions_stored = Signal()

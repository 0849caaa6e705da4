"""Signals of the rollup layer, for readers that keep stored rows of their own beside it.

The read side (`stats`) imports this app, never the other way round: what it derives from a
day's stored sessions, it writes when told the day is stored.
"""

from django.dispatch import Signal

# Sent by `day_aggregate` inside its transaction, once the day's sessions and rollups are stored
# and the day marked aggregated (`website_id`, `day`): receivers write in the same transaction,
# and an error in one rolls the aggregation back.
day_aggregated = Signal()

"""Signals of the events store, for the layers that keep rows derived from the events.

Those layers (`aggregation`) import this app, never the other way round: ingestion stores
events and says so; what is derived from them follows from what it says.
"""

from django.dispatch import Signal

# Sent inside the transaction that stores a batch of events (`events_store`), with
# `website_instants`: the set of (website id, quarter-hour instant) pairs the batch holds events
# at. Receivers write in that transaction, so that what they mark commits with the events; an
# error in one rolls the batch back, and the drain stores it again.
events_stored = Signal()

"""What the read side does when the rollup layer tells it something (`aggregation.signals`)."""

from stats.services import day_dimensions_write


def day_sessions_stored_receive(sender, *, website_id, day, **kwargs) -> None:
    """A day's sessions (or today's closed ones) were stored: its day rows follow, in the same
    transaction."""
    day_dimensions_write(website_id=website_id, day=day)

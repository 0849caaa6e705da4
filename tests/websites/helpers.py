from django.db import connection

# Every table holding a website's rows, named here rather than found like the purge finds them.
WEBSITE_TABLES = (
    "ingest_event",
    "aggregation_aggregationday",
    "aggregation_daytotal",
    "aggregation_daypage",
    "aggregation_daypathvisits",
    "aggregation_daysource",
    "aggregation_daydevice",
    "aggregation_daycustomevent",
    "stats_daydimension",
    "stats_dimensionday",
)


def website_rows(website_id) -> dict[str, int]:
    """The website's row count in each table that holds its rows."""
    counts = {}
    with connection.cursor() as cursor:
        for table in WEBSITE_TABLES:
            cursor.execute(f"SELECT count(*) FROM {table} WHERE website_id = %s", [website_id])
            counts[table] = cursor.fetchone()[0]
    return counts


def website_row_exists(website_id) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM websites_website WHERE id = %s", [website_id])
        return cursor.fetchone() is not None

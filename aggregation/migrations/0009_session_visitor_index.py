from django.db import migrations

# A day's stored sessions of a few visitors (those seen live since today's sessions were stored
# in part) are looked up by visitor: the (website_id, day) index gains ip_hash, which it serves
# as before for ranges of days.
INDEX_SQL = """
DROP INDEX aggregation_session_website_day;
CREATE INDEX aggregation_session_website_day_visitor ON aggregation_session (website_id, day, ip_hash);
"""
REVERSE_SQL = """
DROP INDEX aggregation_session_website_day_visitor;
CREATE INDEX aggregation_session_website_day ON aggregation_session (website_id, day);
"""


class Migration(migrations.Migration):
    dependencies = [("aggregation", "0008_sessions_open_from")]

    operations = [migrations.RunSQL(INDEX_SQL, REVERSE_SQL)]

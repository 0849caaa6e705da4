"""gunicorn settings read from the working directory (the Procfile's `web` and bench/ingest.py)."""

# Client addresses are personal data: the access log shows none (no `%(h)s`, no X-Forwarded-For,
# nor the referrer and user agent), only the request line, status, size, duration and the request
# id that joins a line to the application's logs.
access_log_format = '%(t)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'


def post_worker_init(worker):
    # Each worker loads its parsers and GeoIP data before taking requests, not on the first one.
    from ingest.enrichment import enrichment_warm_up

    enrichment_warm_up()

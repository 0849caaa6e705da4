"""gunicorn settings read from the working directory (the Procfile's `web` and bench/ingest.py)."""


def post_worker_init(worker):
    # Each worker loads its parsers and GeoIP data before taking requests, not on the first one.
    from ingest.enrichment import enrichment_warm_up

    enrichment_warm_up()

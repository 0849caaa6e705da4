"""GET /health: is this instance able to serve? For load balancers and uptime checks."""

import logging

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

import analytics_site
from ingest.selectors import buffer_depth

logger = logging.getLogger(__name__)


def database_connected() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        logger.warning("Health check: database unreachable", exc_info=True)
        return False
    return True


def redis_connected() -> bool:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        logger.warning("Health check: Redis unreachable", exc_info=True)
        return False
    finally:
        client.close()
    return True


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    db_ok, redis_ok = database_connected(), redis_connected()
    body = {
        "status": "ok" if db_ok and redis_ok else "degraded",
        "db": "connected" if db_ok else "disconnected",
        "redis": "connected" if redis_ok else "disconnected",
        "version": analytics_site.__version__,
        # Events accepted by collect and not yet in PostgreSQL (null when Redis is down).
        "buffer_depth": buffer_depth() if redis_ok else None,
    }
    return JsonResponse(body, status=200 if db_ok and redis_ok else 503)

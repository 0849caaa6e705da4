"""GET /health: is this instance able to serve, and is the event pipeline keeping up?

For load balancers and uptime checks: 200 "ok", or 503 "degraded" with `problems` naming each
reason (a service down, a buffer too deep or too old, a drainer that stopped checkpointing).
"""

import logging
import time

import redis
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

import analytics_site
from ingest.buffer import buffer_depth, buffer_oldest_entry_ms
from ingest.models import DeadLetter, DrainCheckpoint

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
    problems = [
        f"{name} unreachable" for name, ok in (("db", db_ok), ("redis", redis_ok)) if not ok
    ]
    depth = oldest_age = None
    if redis_ok:
        try:
            depth, oldest_ms = buffer_depth(), buffer_oldest_entry_ms()
        except redis.RedisError:
            logger.warning("Health check: buffer unreadable", exc_info=True)
            problems.append("buffer unreadable")
        else:
            oldest_age = None if oldest_ms is None else max(0, int(time.time() - oldest_ms / 1000))
            problems += _buffer_problems(depth, oldest_age)
    dead_letters = None
    if db_ok:
        dead_letters = DeadLetter.objects.count()
        if oldest_age is not None:
            problems += _drain_lag_problems(oldest_age)
    body = {
        "status": "degraded" if problems else "ok",
        "db": "connected" if db_ok else "disconnected",
        "redis": "connected" if redis_ok else "disconnected",
        "version": analytics_site.__version__,
        # Events accepted by collect and not yet in PostgreSQL (null when Redis is down).
        "buffer_depth": depth,
        "buffer_oldest_age_seconds": oldest_age,
        "dead_letters": dead_letters,
    }
    if problems:
        body["problems"] = problems
    return JsonResponse(body, status=503 if problems else 200)


def _buffer_problems(depth: int, oldest_age: int | None) -> list[str]:
    problems = []
    if depth > settings.TRAILMARK_HEALTH_MAX_BUFFER_DEPTH:
        problems.append(
            f"buffer holds {depth} events (over {settings.TRAILMARK_HEALTH_MAX_BUFFER_DEPTH})"
        )
    if oldest_age is not None and oldest_age > settings.TRAILMARK_HEALTH_MAX_BUFFER_AGE_SECONDS:
        problems.append(
            f"oldest buffered event is {oldest_age} s old "
            f"(over {settings.TRAILMARK_HEALTH_MAX_BUFFER_AGE_SECONDS} s)"
        )
    return problems


def _drain_lag_problems(oldest_age: int) -> list[str]:
    """Events have waited, and the drainer has stored none, for too long.

    Measured since the later of its last checkpoint and the oldest waiting event: an event that
    arrives after an idle hour is not a lag.
    """
    checkpointed = DrainCheckpoint.objects.filter(pk=1).values_list("updated_at", flat=True).first()
    limit = settings.TRAILMARK_HEALTH_MAX_DRAIN_LAG_SECONDS
    lag = oldest_age
    if checkpointed is not None:
        lag = min(lag, int(time.time() - checkpointed.timestamp()))
    if lag > limit:
        return [f"the drainer has stored no events for {lag} s (over {limit} s)"]
    return []

import pytest

from tests.processes import process_stop
from tests.workers import celery_worker_start


@pytest.fixture
def celery_worker():
    """A real Celery worker process on the test database and Redis (transactional tests)."""
    worker = celery_worker_start()
    yield worker
    process_stop(worker)

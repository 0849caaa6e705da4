import pytest

from ingest.selectors import site_config_cache_clear


@pytest.fixture(autouse=True)
def _fresh_site_cache():
    """Website settings are cached per process; each test sees its own websites."""
    site_config_cache_clear()
    yield
    site_config_cache_clear()

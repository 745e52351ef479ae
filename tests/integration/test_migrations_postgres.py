import pytest

from tests.migration_checks import assert_up_down_up

pytestmark = pytest.mark.integration


def test_migrations_up_down_up_on_postgresql(pg_url: str) -> None:
    assert_up_down_up(pg_url)

from tests.migration_checks import assert_up_down_up


def test_migrations_up_down_up_on_sqlite(tmp_path) -> None:
    assert_up_down_up(f"sqlite:///{tmp_path / 'm.sqlite'}")

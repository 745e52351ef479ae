"""Views ask the domain, they do not query: no statement is built or run in web/.

A query belongs to its feature package in matchmaker/ (typed, named, testable without a
request). Read from the source with `ast`, so a query cannot hide in a helper of a view module.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# building a statement (sa.select, select(...)) or running one on a session
QUERY_CALLS = {"select", "scalars", "scalar", "execute", "query", "count_rows"}

# still to move; remove a line when its module is thinned (issue 16)
NOT_YET = {
    "web/roadshows/participant.py",
    "web/roadshows/public.py",
    "web/roadshows/report.py",
}
NOT_YET_UNDER = ("web/api/",)
# the health check runs SELECT 1 to see that the database answers: that is its purpose
ALLOWED = {"web/health.py"}


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    if isinstance(call.func, ast.Name):
        return call.func.id
    return None


def queries_in(source: str) -> list[tuple[int, str]]:
    """(line, name) of each query call in `source`."""
    calls = [
        (node.lineno, node.col_offset, name)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and (name := _called_name(node)) in QUERY_CALLS
    ]
    return [(line, name) for line, _, name in sorted(calls)]


def _checked(relative: str) -> bool:
    return not (relative in NOT_YET or relative in ALLOWED or relative.startswith(NOT_YET_UNDER))


def test_no_view_module_builds_a_query() -> None:
    found = []
    for path in sorted((ROOT / "web").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not _checked(relative):
            continue
        for line, name in queries_in(path.read_text(encoding="utf-8")):
            found.append(f"{relative}:{line} {name}(...)")
    assert found == [], "move these queries into matchmaker/<feature>/: " + ", ".join(found)


def test_the_exemptions_still_exist() -> None:
    """A module that was thinned or removed leaves the list (so the list only shrinks)."""
    for relative in sorted(NOT_YET | ALLOWED):
        path = ROOT / relative
        assert path.exists(), f"{relative} is gone: remove it from the list"
        if relative in NOT_YET:
            assert queries_in(path.read_text(encoding="utf-8")), f"{relative} is thin now"


def test_the_scan_sees_the_usual_spellings() -> None:
    source = (
        "import sqlalchemy as sa\n"
        "from sqlalchemy import select\n"
        "s.scalars(sa.select(User)).all()\n"
        "s.scalar(select(User))\n"
        "s.query(User).all()\n"
        "s.execute(stmt)\n"
        "count_rows(s, User)\n"
        "s.get(User, 1)\n"  # loading by primary key is not building a query
    )
    assert [name for _, name in queries_in(source)] == [
        "scalars",
        "select",
        "scalar",
        "select",
        "query",
        "execute",
        "count_rows",
    ]

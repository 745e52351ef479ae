"""The import arrows: web → matchmaker → indexer, and no cycle between matchmaker's packages.

Read from the source with `ast` (imports inside functions count too), so a lazy import cannot
hide an upward arrow or a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("indexer", "matchmaker", "web")  # each may import only those before it
# modules that wire the features together: they may import any feature, nothing imports them
# except entry points and tasks (runtime), so they are left out of the feature graph
COMPOSITION_ROOTS = {"matchmaker.runtime", "matchmaker.celery_app", "matchmaker.worker"}


def _modules() -> dict[str, Path]:
    found = {}
    for top in LAYERS:
        for path in (ROOT / top).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if "migrations" in parts:
                continue
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _feature(module: str) -> str | None:
    """matchmaker.review.pipeline → matchmaker.review; top-level modules stand alone."""
    parts = module.split(".")
    if parts[0] != "matchmaker" or len(parts) < 2:
        return None
    return ".".join(parts[:2])


MODULES = _modules()
GRAPH = {
    name: {i for i in _imports(path, name) if i.split(".")[0] in LAYERS}
    for name, path in MODULES.items()
}


def test_layers_point_one_way() -> None:
    upward = [
        (name, target)
        for name, targets in GRAPH.items()
        for target in targets
        if LAYERS.index(target.split(".")[0]) > LAYERS.index(name.split(".")[0])
    ]
    assert upward == []


def _is_web(module: str) -> bool:
    # werkzeug.security is a password-hashing library, not HTTP
    top = module.split(".")[0]
    return top in ("flask", "flask_login", "flask_babel", "flask_wtf") or (
        top == "werkzeug" and not module.startswith("werkzeug.security")
    )


def test_the_domain_knows_nothing_of_flask() -> None:
    offenders = [
        name
        for name, path in MODULES.items()
        if name.split(".")[0] in ("matchmaker", "indexer")
        and any(_is_web(i) for i in _imports(path, name))
    ]
    assert offenders == []


def feature_graph() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for name, targets in GRAPH.items():
        source = _feature(name)
        if source is None or name in COMPOSITION_ROOTS:
            continue
        for target in targets:
            dest = _feature(target)
            if dest in COMPOSITION_ROOTS:
                continue
            if dest is not None and dest != source and dest in {_feature(m) for m in MODULES}:
                edges[source].add(dest)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_matchmaker_packages_form_no_cycle() -> None:
    assert _cycle(feature_graph()) is None


def test_the_cycle_check_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}}) is None


@pytest.mark.slow
def test_every_domain_module_imports_on_its_own() -> None:
    """Each module in a fresh interpreter: an import that only works after another module was
    imported first (a hidden cycle or a missing import) fails here."""
    names = sorted(n for n in MODULES if n.split(".")[0] in ("matchmaker", "indexer"))
    script = (
        "import importlib, subprocess, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    r = subprocess.run([sys.executable, '-c', f'import {name}'], capture_output=True, text=True)\n"
        "    if r.returncode: failed.append((name, r.stderr.strip().splitlines()[-1]))\n"
        "print(failed)\n"
        "sys.exit(1 if failed else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, *names], capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""The shape of the code: the checks import one another in one direction only.

A cycle (registry → stages → dialogue → holds → registry, as there was) makes a module
impossible to read or test alone; lazy imports inside functions count too.
"""

from __future__ import annotations

import ast
from pathlib import Path

CHECKS = Path(__file__).resolve().parent.parent / "checks"


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("checks"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("checks"))
    return found


def module_graph() -> dict[str, set[str]]:
    graph = {}
    for path in CHECKS.rglob("*.py"):
        name = ".".join(("checks", *path.relative_to(CHECKS).with_suffix("").parts)).removesuffix(".__init__")
        graph[name] = imports_of(path)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for dep in sorted(graph.get(module, ())):
            if state.get(dep) == "open":
                found.append(stack[stack.index(dep):] + [dep])
            elif dep in graph and dep not in state:
                visit(dep)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    return found


def test_the_checks_have_no_import_cycle() -> None:
    assert cycles(module_graph()) == []


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]

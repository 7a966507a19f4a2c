"""The shape of the code: the checks import one another in one direction only.

A cycle (registry → stages → dialogue → holds → registry, as there was) makes a module
impossible to read or test alone; lazy imports inside functions count too. The packages of
`checks/` are layers, each importing only those below it: words (`text`), then sentence meaning,
hearing a value again (`hearing`, the audio's protocol), the registry, what the conversation says (`dialogue`), and the checks (`rules`) on top.
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


# lowest first; a module may import its own layer and those before it
LAYERS = ("standard", "text", "meaning", "hearing", "registry", "scoring", "dialogue", "rules", "analyze")


def layer_of(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def upward_imports(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    rank = {name: i for i, name in enumerate(LAYERS)}
    return sorted((module, dep) for module, deps in graph.items() for dep in deps
                  if rank[layer_of(dep)] > rank[layer_of(module)])


def test_every_module_of_checks_is_in_a_layer() -> None:
    assert {layer_of(m) for m in module_graph()} - {"checks"} <= set(LAYERS)


def test_the_packages_import_downwards_only() -> None:
    assert upward_imports(module_graph()) == []


def test_an_upward_import_is_found() -> None:
    assert upward_imports({"checks.text.cues": {"checks.rules.lead"}}) == [("checks.text.cues", "checks.rules.lead")]


def test_the_cycle_finder_finds_one() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]

"""The shape of the code a newcomer relies on (docs/adding-a-capability.md), checked on every run.

Read from the source with `ast`, nothing is imported: storage/ sits below
everything and imports nothing from bot/ or handlers/; handlers/ never reach into
the CLI or the console; no module imports another that imports it back, directly or round a
loop, not even from inside a function; and a capability
is found under one name: its package in handlers/, its storage module, its CLI
group and its console page.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")

# Each capability with a package (or one module) in handlers/, and which of its places exist:
# storage/<name>.py, bot/commands/<name>.py (the CLI group), bot/admin/<name>.py (the console page).
CAPABILITIES = {
    "awards": {"storage", "cli", "console"},
    "events": {"storage", "cli", "console"},
    "fees": {"storage", "cli", "console"},
    "jobs": {"storage", "cli", "console"},
    "members": {"storage", "cli", "console"},
    "news": {"storage", "cli", "console"},
    "tickets": {"storage", "cli", "console"},
    "governance": {"console"},   # reads the members' council roles: no table of its own
    "province": {"storage", "cli"},
    "human": set(),              # its requests are tickets (storage/tickets.py)
    "help": set(),
    "cancel": set(),
}
PLACES = {"storage": "storage/{}.py", "cli": "bot/commands/{}.py", "console": "bot/admin/{}.py"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _import_statements(node: ast.AST):
    """Every import a module can run: at load time and inside functions alike (an import made when a
    function runs closes a cycle just the same), but not under `if TYPE_CHECKING:`, which never runs."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child
        elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from _import_statements(ast.Module(body=child.orelse, type_ignores=[]))
        else:
            yield from _import_statements(child)


def imported_modules(path: Path) -> set[str]:
    """The project modules a file imports (and the packages above them, whose __init__ runs too)."""
    names = []
    for node in _import_statements(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif node.module and node.level == 0:
            names += [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in MODULES else node.module
                      for alias in node.names]
    found = set()
    for name in names:
        parts = name.split(".")
        found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & MODULES.keys()
    own = module_name(path)
    return {name for name in found if name != own and not own.startswith(name + ".")}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Groups of modules that import one another, directly or round a loop (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_even_through_imports_inside_functions():
    graph = {name: imported_modules(path) for name, path in MODULES.items()}
    assert cycles(graph) == []


def test_an_import_inside_a_function_counts():
    """bot/scheduler.py imports the capabilities only when it lists the jobs: an edge all the same."""
    assert "handlers" in imported_modules(ROOT / "bot" / "scheduler.py")


def test_the_cycle_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_storage_imports_nothing_from_bot_or_handlers():
    upward = {name: sorted(m for m in imported_modules(path)
                           if m.split(".")[0] in ("bot", "handlers"))
              for name, path in MODULES.items() if name.split(".")[0] == "storage"}
    assert {name: found for name, found in upward.items() if found} == {}


def test_handlers_never_reach_into_the_cli_or_the_console():
    reaching = {name: sorted(m for m in imported_modules(path)
                             if m.startswith(("bot.admin", "bot.commands")))
                for name, path in MODULES.items() if name.split(".")[0] == "handlers"}
    assert {name: found for name, found in reaching.items() if found} == {}


def test_every_capability_in_handlers_is_listed_here():
    present = {path.stem for path in (ROOT / "handlers").glob("*.py") if path.stem != "__init__"}
    present |= {path.parent.name for path in (ROOT / "handlers").glob("*/__init__.py")}
    assert present == set(CAPABILITIES)


@pytest.mark.parametrize("capability", sorted(CAPABILITIES))
def test_a_capability_has_one_name_everywhere(capability):
    expected = {place: PLACES[place].format(capability) for place in CAPABILITIES[capability]}
    missing = {place: path for place, path in expected.items() if not (ROOT / path).exists()}
    assert missing == {}


def test_every_chat_module_is_registered_in_handlers_init():
    """A module that declares @handles or @step answers members only once handlers.register() imports it."""
    registered = imported_modules(ROOT / "handlers" / "__init__.py")
    declaring = {name for name, path in MODULES.items() if name.startswith("handlers.")
                 and any(isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("handles", "step")
                         for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))))}
    assert declaring - registered == set()

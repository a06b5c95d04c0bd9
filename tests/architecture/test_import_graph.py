"""The package's import graph, read from the source with ast: the layering docs/architecture.md
draws is the one the code has.

Every `import emotrain...` / `from emotrain... import ...` counts, at module top or inside a
function (a lazy import is still an arrow), except those under `if TYPE_CHECKING:`.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "emotrain"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


class _Imports(ast.NodeVisitor):
    """(target module, imported name or None) for every emotrain import outside TYPE_CHECKING."""

    def __init__(self, module: str, is_package: bool):
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[tuple[str, str | None]] = []

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == "emotrain":
                self.found.append((alias.name, None))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            pkg = self.package.split(".")
            pkg = pkg[: len(pkg) - node.level + 1]
            base = ".".join([*pkg, base] if base else pkg)
        if base.split(".")[0] != "emotrain":
            return
        for alias in node.names:
            self.found.append((base, alias.name))


def _resolve(target: str, name: str | None, modules: dict[str, Path]) -> tuple[str, str | None]:
    """`from pkg import sub` is an arrow to the submodule, not to the package."""
    if name and f"{target}.{name}" in modules:
        return f"{target}.{name}", None
    return target, name


def _graph() -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    modules = _modules()
    edges: dict[str, set[str]] = {m: set() for m in modules}
    private: list[tuple[str, str, str]] = []
    for module, path in modules.items():
        visitor = _Imports(module, path.name == "__init__.py")
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        for target, name in visitor.found:
            target, name = _resolve(target, name, modules)
            if target not in modules or target == module:
                continue
            edges[module].add(target)
            if name and name.startswith("_") and not name.startswith("__"):
                private.append((module, target, name))
    return edges, private


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def _is_ancestor_package(module: str, target: str) -> bool:
    """A submodule importing its own package's __init__ is part of the package, not a circle."""
    return module.startswith(target + ".")


@pytest.fixture(scope="module")
def graph() -> tuple[dict[str, set[str]], list[tuple[str, str, str]]]:
    return _graph()


def test_the_graph_sees_the_package(graph):
    edges, _ = graph
    assert len(edges) > 100
    assert "emotrain.plugin.wiring" in edges["emotrain.plugin.chain"]
    # a lazy import inside a function counts
    assert "emotrain.plugin.features" in edges["emotrain.plugin.chain"]


def test_no_circles_between_modules(graph):
    edges, _ = graph
    # a package's __init__ may re-export its submodules, which import siblings through it
    pruned = {m: {t for t in ts if not _is_ancestor_package(m, t)} for m, ts in edges.items()}
    assert _cycles(pruned) == []


def test_no_private_name_is_imported_from_another_module(graph):
    _, private = graph
    assert private == []


def _arrows(edges, source: str, target) -> list[tuple[str, str]]:
    """The imports from modules under `source` to modules for which `target(name)` holds."""
    return [(m, t) for m, ts in edges.items() if m.startswith(source) for t in ts if target(t)]


def test_training_does_not_import_export(graph):
    edges, _ = graph
    assert _arrows(edges, "emotrain.training", lambda t: t.startswith("emotrain.export")) == []


def test_plugin_imports_only_itself_and_no_torch(graph):
    """The plugin as code stands alone: itself, and the error kinds every layer raises."""
    edges, _ = graph
    allowed = ("emotrain.plugin", "emotrain.errors")
    assert _arrows(edges, "emotrain.plugin", lambda t: not t.startswith(allowed)) == []
    for path in (ROOT / "plugin").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            assert not any(n.split(".")[0] == "torch" for n in names), path


def test_the_cycle_finder_finds_a_planted_circle():
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]


# ---- the map in docs/architecture.md ------------------------------------------------------------

DOC = ROOT.parent / "docs" / "architecture.md"


def _layers_in_doc() -> dict[str, int]:
    """`emotrain.<top>` -> layer, from the first fenced block after "## The map"."""
    text = DOC.read_text(encoding="utf-8")
    block = text[text.index("## The map") :].split("```")[1]
    layers: dict[str, int] = {}
    for line in block.splitlines():
        parts = line.split()
        if len(parts) < 2 or not parts[0].isdigit():
            continue
        name = parts[1].rstrip("/").removesuffix(".py")
        layers["emotrain" if name == "__init__" else f"emotrain.{name}"] = int(parts[0])
    return layers


def _top(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_map_names_every_package_and_module_once():
    layers = _layers_in_doc()
    tops = {_top(m) for m in _modules()}
    assert set(layers) == tops


def test_no_package_imports_a_layer_above_it(graph):
    edges, _ = graph
    layers = _layers_in_doc()
    upward = sorted(
        {
            (_top(m), layers[_top(m)], _top(t), layers[_top(t)])
            for m, ts in edges.items()
            for t in ts
            if layers[_top(t)] > layers[_top(m)]
        }
    )
    assert upward == []


def test_no_circle_between_packages(graph):
    edges, _ = graph
    packages: dict[str, set[str]] = {}
    for m, ts in edges.items():
        packages.setdefault(_top(m), set()).update(_top(t) for t in ts if _top(t) != _top(m))
    assert _cycles(packages) == []


def test_no_module_is_past_400_lines():
    """A file past ~400 lines is asking to be split along a responsibility (architecture.md)."""
    long = {
        str(path.relative_to(ROOT)): n
        for path in ROOT.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 400
    }
    assert long == {}


def test_the_detail_names_every_module():
    """A contributor reads the doc first: a module the detail never names is one nobody finds."""
    text = DOC.read_text(encoding="utf-8")
    detail = text[text.index("## The detail") :].split("```")[1]
    unnamed = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*.py")
        if path.name != "__init__.py" and path.name not in detail
    )
    assert unnamed == []

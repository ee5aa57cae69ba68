"""The layout docs/architecture.md describes: layers that import only downwards,
and modules small enough to hold in one's head.

Every import inside the package is read from the source (module level and inside
functions alike), so a new upward import fails here until it is either removed
or listed in :data:`UPWARD` with the reason it must exist."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "capaciteit"
LAYERS = {
    "errors": 0,
    "data": 1,
    "law": 1,
    "scenario": 2,
    "sim": 3,
    "calibrate": 4,
    "run": 5,
    "outputs": 6,
    "cli": 7,
    "__init__": 8,
}
UPWARD = {
    # the band is learned from the whole chain's errors at earlier origins: the
    # calibration runs the chain it calibrates (docs/calibration.md, section 6)
    ("calibrate.bands", "run.runner"),
}
MAX_LINES = 400
LONG = "Long on purpose:"


def _layer(module: str) -> int:
    return LAYERS[module.split(".")[0]]


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _imports(path: Path) -> set[str]:
    """Every module of the package that ``path`` imports, without the prefix."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name.startswith("capaciteit."):
                found.add(name.removeprefix("capaciteit."))
    return found


def test_every_module_belongs_to_a_layer():
    assert {m.split(".")[0] for m in _modules()} <= set(LAYERS)


def test_data_flows_down_the_layers():
    modules = _modules()
    upward = []
    for name, path in modules.items():
        for target in _imports(path):
            if target not in modules:  # an imported name, not a module
                continue
            if _layer(target) > _layer(name) and (name, target) not in UPWARD:
                upward.append(f"{name} imports {target}")
    assert not upward, "\n".join(upward)


def test_the_listed_upward_imports_still_exist():
    """An exception that is no longer needed goes from the list."""
    modules = _modules()
    for name, target in UPWARD:
        assert target in _imports(modules[name]), (name, target)


def test_no_module_is_long_without_a_reason_at_its_top():
    long = []
    for name, path in _modules().items():
        lines = path.read_text().count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        if lines > MAX_LINES and LONG not in doc:
            long.append(f"{name}: {lines} lines")
    assert not long, "\n".join(long)


def test_the_architecture_page_names_every_module():
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    missing = []
    for name, path in _modules().items():
        leaf = name.split(".")[-1]
        shown = f"`{leaf}/`" if path.name == "__init__.py" else f"`{leaf}`"
        if name != "__init__" and shown not in page:
            missing.append(name)
    assert not missing, missing

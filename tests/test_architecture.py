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
    "version": 0,
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


def _imports(path: Path, text: str | None = None) -> set[str]:
    """Every module of the package that ``path`` imports, without the prefix:
    ``import``, ``from ... import`` (absolute or relative; a name imported from
    a package counts as its submodule when there is one, else as the package),
    and ``importlib.import_module`` or ``__import__`` of a literal name.
    ``"__init__"`` stands for the package's top, ``capaciteit/__init__.py``."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    package = parts[:-1]  # a module's package; an __init__'s own
    modules = _modules()
    found = set()

    def add(dotted: str) -> None:
        if dotted == "capaciteit":
            found.add("__init__")
        elif dotted.startswith("capaciteit."):
            found.add(dotted.removeprefix("capaciteit."))

    for node in ast.walk(ast.parse(path.read_text() if text is None else text)):
        if isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against this module's package
                base = package[: len(package) - node.level + 1]
                module = ".".join(("capaciteit", *base, *([node.module] if node.module else [])))
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                add(sub if sub.removeprefix("capaciteit.") in modules else module)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                add(alias.name)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", None))
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            add(node.args[0].value)
    return found


def test_every_module_belongs_to_a_layer():
    assert {m.split(".")[0] for m in _modules()} <= set(LAYERS)


def test_data_flows_down_the_layers():
    modules = _modules()
    upward = []
    for name, path in modules.items():
        for target in _imports(path):
            assert target in modules or target == "__init__", f"{name}: no module {target}"
            if _layer(target) > _layer(name) and (name, target) not in UPWARD:
                upward.append(f"{name} imports {target}")
    assert not upward, "\n".join(upward)


def _upward(name: str, targets: set[str]) -> set[str]:
    return {t for t in targets if _layer(t) > _layer(name) and (name, t) not in UPWARD}


def test_the_check_sees_every_form_of_import():
    """Each way of importing upwards is seen (the check itself is tested)."""
    census = _modules()["sim.census"]
    forms = {
        "from capaciteit import headline": "__init__",
        "from capaciteit import __version__": "__init__",
        "import capaciteit": "__init__",
        "from ..outputs import figures": "outputs.figures",
        "from ..run.runner import simulate": "run.runner",
        "from . import census": "sim.census",
        "import capaciteit.outputs.report": "outputs.report",
        "def f():\n    from capaciteit.cli import main": "cli",
        "importlib.import_module('capaciteit.run.store')": "run.store",
        "__import__('capaciteit.calibrate.bands')": "calibrate.bands",
    }
    for text, target in forms.items():
        assert _imports(census, text) == {target}, text
        if target != "sim.census":
            assert _upward("sim.census", {target}) == {target}, text


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
    """Each module is named in its own package's paragraph of the page (a name
    shared by modules of several packages counts only where it belongs)."""
    page = (PACKAGE.parent / "docs" / "architecture.md").read_text()
    modules_part = page.split("## The modules", 1)[1].split("\n## ", 1)[0]
    sections = {}
    for block in modules_part.split("\n**`")[1:]:
        sections[block.split("/`**", 1)[0]] = block
    missing = []
    for name, path in _modules().items():
        parts = name.split(".")
        leaf = parts[-1]
        shown = f"`{leaf}/`" if path.name == "__init__.py" else f"`{leaf}`"
        if name == "__init__":
            continue
        where = page if len(parts) == 1 else sections.get(parts[0], "")
        if shown not in where:
            missing.append(name)
    assert not missing, missing

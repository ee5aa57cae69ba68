"""The notebooks run top to bottom in a fresh kernel, and are committed clean.

Every ``notebooks/*.ipynb`` is executed with nbclient in a new kernel, as Jupyter
would run it from ``notebooks/``, with ``CAPACITEIT_NB_REPLICATIONS=8`` so the set
stays fast; a cell that raises fails the test with the cell and its traceback.
The kernel is always the Python running the tests (the project's environment),
whatever kernelspecs named ``python3`` the machine has elsewhere.

The committed notebooks hold no outputs and no execution counts, so the
repository stays small and a change to a notebook reads as a diff of its code.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
REPLICATIONS = "8"


class ThisPythonKernelManager(AsyncKernelManager):
    """Starts the IPython kernel of ``sys.executable``, not whatever a kernelspec
    named ``python3`` found on the Jupyter path points at."""

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (tests)",
            language="python",
        )


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run a notebook in a fresh kernel, from the notebooks folder; return it with outputs."""
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        kernel_manager_class=ThisPythonKernelManager,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    return client.execute()


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4, [p.name for p in NOTEBOOKS]


def test_kernel_is_the_python_running_the_tests():
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    out = execute(nb).cells[0].outputs
    assert out[0]["text"].strip() == sys.executable


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_clean(path: Path):
    nb = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"
    dirty = [
        k
        for k, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: cells {dirty} hold outputs or execution counts; clear them before "
        "committing (JupyterLab: Edit > Clear Outputs of All Cells, then save)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch):
    # the kernel inherits the environment; monkeypatch restores it afterwards
    monkeypatch.setenv("CAPACITEIT_NB_REPLICATIONS", REPLICATIONS)
    nb = nbformat.read(path, as_version=4)
    try:
        execute(nb)
    except CellExecutionError as err:
        pytest.fail(f"{path.name} failed in a cell:\n{err}", pytrace=False)

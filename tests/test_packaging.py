"""txparity as another project installs it: under its own name only, whole.

The package installs as ``txparity.harness`` and ``txparity.executors`` (the
folders ``txparity/`` links to), so a project with packages of its own called
``harness`` and ``executors`` keeps them. Tried from a scratch project, with this
interpreter (txparity installed editable) and with the wheel installed into a fresh
virtual environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import txparity.harness

ROOT = Path(__file__).parent.parent
PACKAGE_SOURCES = ("pyproject.toml", "README.md", "LICENSE", "txparity", "harness", "executors")

OWN_PACKAGES_TEST = """
import os
from pathlib import Path

import executors
import harness
import txparity.executors
import txparity.harness
from txparity.harness.pytest_plugin import assert_agree
from txparity.harness.strategies import cases


def test_each_name_is_its_owners(pytestconfig):
    assert harness.OWNER == executors.OWNER == "the project"
    expected = Path(os.environ["TXPARITY_EXPECTED"])
    assert Path(txparity.harness.__file__).parent == expected / "harness"
    assert Path(txparity.executors.__file__).parent == expected / "executors"
    assert callable(assert_agree) and callable(cases)
    assert pytestconfig.pluginmanager.has_plugin("txparity")
"""


def scratch_project(root: Path) -> Path:
    """A project with its own ``harness`` and ``executors`` packages and a test."""
    root.mkdir(exist_ok=True)
    for package in ("harness", "executors"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text('OWNER = "the project"\n')
    (root / "test_names.py").write_text(textwrap.dedent(OWN_PACKAGES_TEST))
    (root / "pyproject.toml").write_text("[tool.pytest.ini_options]\n")
    return root


def source_copy(target: Path) -> Path:
    """What a source distribution of txparity holds, copied (links as links)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in PACKAGE_SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, target / name, symlinks=True, ignore=ignore)
        else:
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


def run_pytest(python: Path | str, project: Path, txparity_dir: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST"))}
    done = subprocess.run(
        [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=project, env={**env, "TXPARITY_EXPECTED": str(txparity_dir)},
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_project_keeps_its_own_harness_and_executors(tmp_path: Path) -> None:
    installed = Path(txparity.harness.__file__).parent.parent
    output = run_pytest(sys.executable, scratch_project(tmp_path), installed)
    assert "1 passed" in output


def test_the_wheel_holds_txparity_alone_and_works_from_a_fresh_environment(
    tmp_path: Path,
) -> None:
    """Builds the wheel and installs it, with its dependencies, into a new virtual
    environment (about 25 s): the layout users get from ``pip install``."""
    dist = tmp_path / "dist"
    source = source_copy(tmp_path / "source")  # setuptools builds in the tree it is given
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(source), "-w", str(dist)],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    [wheel] = dist.glob("txparity-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"txparity"}
    shipped = {"txparity/py.typed", "txparity/harness/report.py", "txparity/executors/rules.py"}
    assert shipped <= set(names)
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    python = venv / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel), "pytest"],
        check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    project = scratch_project(tmp_path / "project")
    assert "1 passed" in run_pytest(python, project, site / "txparity")
    revealed = downstream_types(python, project)
    assert revealed.endswith(CASES_TYPE) and "Any" not in revealed, revealed


DOWNSTREAM = """
from txparity.harness.strategies import cases

reveal_type(cases)
"""
# What mypy shows when it reads txparity's annotations; without py.typed it would
# refuse the import (strict mode), or see Any.
CASES_TYPE = (
    "txparity.harness.strategies._knobs.Knobs =) -> "
    'hypothesis.strategies._internal.strategies.SearchStrategy[txparity.executors.model.Case]"'
)


def downstream_types(python: Path, project: Path) -> str:
    """What ``mypy --strict`` sees of ``cases`` in a project using the installed
    package (found through ``py.typed``, by the project's interpreter)."""
    (project / "uses_cases.py").write_text(DOWNSTREAM)
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         "--python-executable", str(python), "uses_cases.py"],
        cwd=project, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    [note] = [line for line in done.stdout.splitlines() if "Revealed type" in line]
    assert "error" not in done.stdout, done.stdout
    return note.split(": ", 1)[1]

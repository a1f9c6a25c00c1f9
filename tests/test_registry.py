"""The executor registry: its one table of names, each to the class it names, and its
laziness: knowing the names imports no executor, making one imports that one."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import subprocess
import sys

import pytest

import txparity.executors.mutants as mutants_package
from txparity.executors.errors import UnknownExecutor
from txparity.executors.mutants import MUTANTS, PlantedBug
from txparity.executors.parallel import ParallelExecutor
from txparity.executors.registry import (
    CORRECT_PARALLEL,
    EXECUTORS,
    PLANTED_BUGS,
    REFERENCE_EXECUTOR,
    WHERE,
    executor_class,
    make_executor,
)
from txparity.executors.sequential import SequentialExecutor


def test_every_name_is_the_reference_a_correct_parallel_executor_or_a_planted_bug() -> None:
    assert list(WHERE) == [REFERENCE_EXECUTOR, *CORRECT_PARALLEL, *PLANTED_BUGS]
    assert list(EXECUTORS) == list(WHERE)
    assert len(EXECUTORS) == len(WHERE) == len(set(WHERE))


@pytest.mark.parametrize("name", list(WHERE))
def test_each_entry_is_the_class_it_names(name: str) -> None:
    module_name, _, attribute = WHERE[name].partition(":")
    module = importlib.import_module(module_name)
    found = executor_class(name)
    assert found is getattr(module, attribute) is EXECUTORS[name]
    assert inspect.isclass(found)
    assert found.__name__ == attribute
    assert found.__module__ in (module_name, f"{module_name}.executor")  # or its package's face


def test_the_reference_is_the_sequential_executor() -> None:
    assert executor_class(REFERENCE_EXECUTOR) is SequentialExecutor
    assert isinstance(make_executor(REFERENCE_EXECUTOR, "pct", 1.0), SequentialExecutor)


@pytest.mark.parametrize("name", CORRECT_PARALLEL)
def test_correct_parallel_executors_are_parallel_and_plant_no_bug(name: str) -> None:
    found = executor_class(name)
    assert issubclass(found, ParallelExecutor)
    assert not issubclass(found, PlantedBug)
    made = make_executor(name, "seeded", 2.5)
    assert (type(made), made.schedule, made.watchdog_s) == (found, "seeded", 2.5)


@pytest.mark.parametrize("name", PLANTED_BUGS)
def test_each_planted_bug_is_registered_under_its_own_name(name: str) -> None:
    found = executor_class(name)
    assert issubclass(found, PlantedBug)
    assert found.name == name
    assert MUTANTS[name] is found


def test_every_planted_bug_module_is_registered() -> None:
    """Each module of ``executors.mutants`` declares one variant (``name = ...``):
    the registry lists exactly those names, so none is left unselectable."""
    declared = {}
    for module_info in pkgutil.iter_modules(mutants_package.__path__):
        module = importlib.import_module(f"{mutants_package.__name__}.{module_info.name}")
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, PlantedBug)
                and value is not PlantedBug
                and value.__module__ == module.__name__
            ):
                declared[value.name] = value
    assert declared == dict(MUTANTS)
    assert set(declared) == set(PLANTED_BUGS)


def test_unknown_names_are_refused_with_the_known_ones() -> None:
    known = ", ".join(WHERE)
    with pytest.raises(UnknownExecutor, match=r"^unknown executor 'nope'") as refused:
        executor_class("nope")
    assert str(refused.value) == f"unknown executor 'nope' (known: {known})"
    assert "nope" not in EXECUTORS
    with pytest.raises(KeyError):
        EXECUTORS["nope"]


# Run in a fresh interpreter: which executor modules each step has imported.
_LOADED = """
import json, sys
from txparity.executors import registry

def loaded():
    return sorted(m for m in sys.modules if m.startswith("txparity.executors."))

steps = {}
registry.parse_name("blockstm@sqlite/pct")
names = list(registry.EXECUTORS)
assert "batched" in registry.EXECUTORS and "nope" not in registry.EXECUTORS
steps["names"] = loaded()
registry.make_executor("sequential")
steps["sequential"] = loaded()
registry.make_executor("sharded", "seeded")
steps["sharded"] = loaded()
print(json.dumps(steps))
"""
_NAMES = {
    "txparity.executors.errors",
    "txparity.executors.limits",
    "txparity.executors.model",
    "txparity.executors.registry",
    "txparity.executors.state",
    "txparity.executors.state.base",
    "txparity.executors.state.memory",
    "txparity.executors.view",
}
_SEQUENTIAL = {
    "txparity.executors.code",
    "txparity.executors.codec",
    "txparity.executors.execution",
    "txparity.executors.rules",
    "txparity.executors.sequential",
    "txparity.executors.shapes",
    "txparity.executors.vm",
    "txparity.executors.vm.instructions",
    "txparity.executors.vm.machine",
}
_SHARDED = {
    "txparity.executors.batched",  # the sharded executor shares its read closures
    "txparity.executors.parallel",
    "txparity.executors.schedule",
    "txparity.executors.sharded",
    "txparity.executors.sharded.directory",
    "txparity.executors.sharded.executor",
}


def test_names_import_no_executor_and_making_one_imports_that_one() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LOADED], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout)
    assert set(steps["names"]) == _NAMES
    assert set(steps["sequential"]) == _NAMES | _SEQUENTIAL
    assert set(steps["sharded"]) == _NAMES | _SEQUENTIAL | _SHARDED

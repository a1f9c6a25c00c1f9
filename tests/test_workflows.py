"""The workflows and the ClusterFuzzLite files: what can be checked without GitHub or
Docker. (ci/lint.sh checks the workflows' structure, semantics and security.)

The workflows name artifacts, defaults and permissions that the code names too;
these tests hold the two to one another. The ClusterFuzzLite fuzz target runs a few
inputs here, and its build script is run with stand-ins for the builder image's
tools, to see what it would compile.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ruamel.yaml import YAML

from txparity.harness.nightly import ARTIFACT, DEFAULT_MINUTES, DEFAULT_SHARDS
from txparity.harness.options import default_specs

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
CLUSTERFUZZLITE = ROOT / ".clusterfuzzlite"
PINNED = re.compile(r"^\s*(?:- )?uses: [\w./-]+@[0-9a-f]{40} # v\d[\w.]*$")


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text())


def nightly() -> Any:
    return load(WORKFLOWS / "nightly.yml")


def steps_using(job: Any, action: str) -> list[Any]:
    return [step for step in job["steps"] if step.get("uses", "").startswith(action + "@")]


@pytest.mark.parametrize("path", sorted(WORKFLOWS.glob("*.yml")), ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_version(path: Path) -> None:
    uses = [line for line in path.read_text().splitlines() if "uses:" in line]
    assert uses
    for line in uses:
        assert PINNED.match(line), line


def test_the_dispatch_defaults_are_the_plans() -> None:
    inputs = nightly()["on"]["workflow_dispatch"]["inputs"]
    assert inputs["shards"]["default"] == str(DEFAULT_SHARDS)
    assert inputs["minutes"]["default"] == str(DEFAULT_MINUTES)


def test_only_the_issues_job_may_write_and_the_fuzzing_jobs_see_no_token() -> None:
    workflow = nightly()
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    writes = {name for name, job in jobs.items() if "write" in job["permissions"].values()}
    assert writes == {"issues"}
    assert jobs["issues"]["permissions"] == {"contents": "read", "issues": "write"}
    assert jobs["restore"]["permissions"] == {"actions": "read", "contents": "read"}
    text = (WORKFLOWS / "nightly.yml").read_text()
    assert "secrets." not in text
    for name in ("plan", "shard", "properties", "atheris", "bench", "merge"):
        assert "github.token" not in repr(jobs[name]), name
        assert jobs[name]["permissions"] == {"contents": "read"}, name
    for name in ("restore", "issues"):
        holders = [step for step in jobs[name]["steps"] if "github.token" in repr(step)]
        assert [step["env"] for step in holders] == [{"GH_TOKEN": "${{ github.token }}"}]


def test_the_artifacts_pass_from_job_to_job_under_the_names_the_code_uses() -> None:
    jobs = nightly()["jobs"]

    def uploaded(job: str) -> list[str]:
        return [s["with"]["name"] for s in steps_using(jobs[job], "actions/upload-artifact")]

    def downloaded(job: str) -> list[str]:
        return [s["with"].get("name") or s["with"]["pattern"]
                for s in steps_using(jobs[job], "actions/download-artifact")]  # fmt: skip

    assert uploaded("merge") == [ARTIFACT] and downloaded("issues") == [ARTIFACT]
    assert downloaded("merge") == ["txparity-shard-*"]
    assert uploaded("shard") == ["txparity-shard-${{ matrix.name }}"]
    assert "txparity-shard-properties" in uploaded("properties")
    assert "txparity-shard-atheris" in uploaded("atheris")
    # What the restore job fetches from earlier runs is what these jobs keep.
    restored = jobs["restore"]["steps"][1]["run"].split()[3:]
    assert restored == ["hypothesis-example-db", "txparity-atheris-corpus", "txparity-bench"]
    assert "hypothesis-example-db" in uploaded("properties")
    assert "txparity-atheris-corpus" in uploaded("atheris")
    assert uploaded("restore") == ["txparity-state"]
    assert downloaded("properties") == downloaded("atheris") == ["txparity-state"]
    # The benchmark compares with the last night's result and keeps its own for the next.
    assert downloaded("bench") == ["txparity-state"] and uploaded("bench") == ["txparity-bench"]
    bench = [s["run"] for s in jobs["bench"]["steps"] if "nightly-bench.sh" in s.get("run", "")]
    assert bench == ['bash ci/nightly-bench.sh "$RUNNER_TEMP/bench" "$RUNNER_TEMP/state"']


def test_the_shards_come_from_the_plan_and_the_merge_waits_for_every_fuzzing_job() -> None:
    jobs = nightly()["jobs"]
    assert jobs["shard"]["strategy"]["matrix"] == "${{ fromJSON(needs.plan.outputs.matrix) }}"
    assert jobs["shard"]["strategy"]["fail-fast"] is False
    assert jobs["merge"]["needs"] == ["shard", "properties", "atheris"]
    assert jobs["merge"]["if"] == "${{ !cancelled() }}"
    assert jobs["issues"]["needs"] == "merge"


# ---------------------------------------------------------------- ClusterFuzzLite


def test_the_clusterfuzzlite_project_is_python_on_the_oss_fuzz_image() -> None:
    assert load(CLUSTERFUZZLITE / "project.yaml") == {"language": "python"}
    dockerfile = (CLUSTERFUZZLITE / "Dockerfile").read_text().splitlines()
    instructions = [line for line in dockerfile if line and not line.startswith("#")]
    assert instructions[0] == "FROM gcr.io/oss-fuzz-base/base-builder-python"
    assert "COPY .clusterfuzzlite/build.sh $SRC/" in instructions


@pytest.mark.parametrize(
    ("workflow", "modes"),
    [("cflite_pr.yml", ["code-change"]), ("cflite_batch.yml", ["batch", "prune"])],
)
def test_the_clusterfuzzlite_workflows_build_and_run_the_python_targets(
    workflow: str, modes: list[str]
) -> None:
    jobs = load(WORKFLOWS / workflow)["jobs"].values()
    run = [
        s for job in jobs for s in steps_using(job, "google/clusterfuzzlite/actions/run_fuzzers")
    ]
    assert [step["with"]["mode"] for step in run] == modes
    for job in jobs:
        (build,) = steps_using(job, "google/clusterfuzzlite/actions/build_fuzzers")
        assert build["with"]["language"] == "python"
        assert "write" not in job["permissions"].values()


def test_the_build_script_compiles_every_fuzz_target(tmp_path: Path) -> None:
    """build.sh under stand-ins for the builder image's pip3 and compile_python_fuzzer,
    which only say how they were called."""
    tools = tmp_path / "tools"
    tools.mkdir()
    for tool in ("pip3", "compile_python_fuzzer"):
        (tools / tool).write_text(f'#!/bin/sh\necho "{tool} $*" >> "$CALLS"\n')
        (tools / tool).chmod(0o755)
    source = tmp_path / "src"
    source.mkdir()
    (source / "txparity").symlink_to(ROOT)
    calls = tmp_path / "calls"
    env = os.environ | {"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "SRC": str(source),
                        "CALLS": str(calls)}  # fmt: skip
    done = subprocess.run(["bash", str(CLUSTERFUZZLITE / "build.sh")], cwd=source / "txparity",
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    targets = sorted(CLUSTERFUZZLITE.glob("*_fuzzer.py"))
    assert [t.name for t in targets] == ["parity_fuzzer.py"]
    assert calls.read_text().splitlines() == [
        "pip3 install .",
        *(f"compile_python_fuzzer {source}/txparity/.clusterfuzzlite/{t.name}" for t in targets),
    ]


def fuzz_target() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "parity_fuzzer", CLUSTERFUZZLITE / "parity_fuzzer.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_fuzz_target_uses_every_correct_executor_on_the_seeded_schedule() -> None:
    target = fuzz_target()
    assert sorted(target.EXECUTORS) == sorted(s for s in default_specs() if s.endswith("/seeded"))
    words = target.arguments(["-runs=3", "--seeds", "2"])
    assert words[-2:] == ["--seeds", "2"] and "-runs=3" in words
    assert words[:2] == ["--shrink-seconds", "0"]


def test_the_fuzz_target_runs_inputs_here(tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    done = subprocess.run(
        [sys.executable, str(CLUSTERFUZZLITE / "parity_fuzzer.py"), "-runs=8",
         f"-artifact_prefix={tmp_path}/"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Done 8 runs" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_dependabot_keeps_the_pinned_actions_current() -> None:
    config = load(ROOT / ".github" / "dependabot.yml")
    assert [u["package-ecosystem"] for u in config["updates"]] == ["github-actions"]
    assert config["updates"][0]["directory"] == "/"

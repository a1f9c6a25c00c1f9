"""``python -m txparity.harness.nightly plan|merge|issues``: the nightly job's steps.

    plan   [--shards N] [--minutes M] [--base-seed S]
           the night's shards, as lines for $GITHUB_OUTPUT: matrix (JSON), seconds,
           step_timeout, job_timeout, base_seed
    merge  OUT SHARD_DIR... [--committed DIR] [--repo R] [--run-id ID] [--commit SHA]
           [--github-output FILE]
           the shards merged into the findings directory OUT; prints the report's
           path and counts; exit 1 when there is a new fingerprint
    issues FINDINGS [--bodies DIR] [--repo R] [--label L] [--open-issues FILE]
           [--execute]
           writes the issue bodies and prints the gh command lines; with --execute,
           asks GitHub which issues are open (unless --open-issues names gh's JSON
           answer) and runs them

Exit status: 0 done, 1 a new fingerprint (merge) or a gh command that failed
(issues), 2 bad input, with one line on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from txparity.executors.codec import canonical_json
from txparity.executors.errors import ExecutorError
from txparity.harness.errors import HarnessError
from txparity.harness.nightly._errors import NightlyError
from txparity.harness.nightly._findings import REPORT, RunInfo, read_findings
from txparity.harness.nightly._issues import (
    LABEL,
    open_issues_by_fingerprint,
    plan_issues,
    query_open_issues,
    run_commands,
)
from txparity.harness.nightly._merge import merge_shards
from txparity.harness.nightly._plan import (
    DEFAULT_MINUTES,
    DEFAULT_SHARDS,
    MAX_MINUTES,
    MAX_SHARDS,
    job_timeout_minutes,
    plan_shards,
    step_timeout_minutes,
)
from txparity.harness.options import OptionParser, WholeNumber

__all__ = ["main"]

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = OptionParser(prog="python -m txparity.harness.nightly",
                          description=__doc__.splitlines()[0])  # fmt: skip
    steps = parser.add_subparsers(dest="step", required=True, parser_class=OptionParser)
    plan = steps.add_parser("plan", help="the night's shards, for $GITHUB_OUTPUT")
    plan.add_argument("--shards", type=WholeNumber(1, MAX_SHARDS).parse, default=DEFAULT_SHARDS,
                      help=f"how many campaigns (default {DEFAULT_SHARDS})")  # fmt: skip
    plan.add_argument("--minutes", type=WholeNumber(1, MAX_MINUTES).parse,
                      default=DEFAULT_MINUTES,
                      help=f"minutes each campaign fuzzes (default {DEFAULT_MINUTES})")  # fmt: skip
    plan.add_argument("--base-seed", type=WholeNumber(0, 2**63 - 1).parse, default=None,
                      help="the night's seed (default: random)")  # fmt: skip
    merge = steps.add_parser("merge", help="merge the shards into a findings directory")
    merge.add_argument("out", type=Path, help="the findings directory (empty or absent)")
    merge.add_argument("shards", type=Path, nargs="+", metavar="SHARD_DIR")
    merge.add_argument("--committed", type=Path, default=Path("corpus"),
                       help="the committed corpus (default corpus)")  # fmt: skip
    merge.add_argument("--github-output", type=Path, default=None, metavar="FILE",
                       help="append new=N and known=N to this file")  # fmt: skip
    _run_arguments(merge)
    issues = steps.add_parser("issues", help="issue bodies and gh command lines")
    issues.add_argument("findings", type=Path, help="a findings directory (from merge)")
    issues.add_argument("--bodies", type=Path, default=None, metavar="DIR",
                        help="where to write the bodies (default FINDINGS/issues)")  # fmt: skip
    issues.add_argument("--repo", default=None, help="owner/name (default: the run's)")
    issues.add_argument("--label", default=LABEL, help=f"the issues' label (default {LABEL})")
    issues.add_argument("--open-issues", type=Path, default=None, metavar="FILE",
                        help="gh issue list --json number,body output to read")  # fmt: skip
    issues.add_argument("--execute", action="store_true", help="run the gh commands")
    return parser


def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=None, help="owner/name (default $GITHUB_REPOSITORY)")
    parser.add_argument("--run-id", default=None, help="the run (default $GITHUB_RUN_ID)")
    parser.add_argument("--commit", default=None, help="the commit (default $GITHUB_SHA)")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = build_parser().parse_args(argv)
    try:
        return _STEPS[arguments.step](arguments)
    except (ExecutorError, HarnessError) as error:
        print(f"txparity: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def step_plan(arguments: argparse.Namespace) -> int:
    base_seed: int = random.randrange(2**32) if arguments.base_seed is None else arguments.base_seed
    minutes: int = arguments.minutes
    shards = plan_shards(arguments.shards, base_seed)
    matrix = {"include": [shard.to_json() for shard in shards]}
    print(f"matrix={canonical_json(matrix)}")
    print(f"seconds={minutes * 60}")
    print(f"step_timeout={step_timeout_minutes(minutes)}")
    print(f"job_timeout={job_timeout_minutes(minutes)}")
    print(f"base_seed={base_seed}")
    return EXIT_OK


def step_merge(arguments: argparse.Namespace) -> int:
    out: Path = arguments.out
    run = _run_info(arguments, os.environ)
    findings = merge_shards(arguments.shards, arguments.committed, out, run)
    print(
        f"merged {len(findings.shards)} shard(s): {len(findings.new)} new fingerprint(s), "
        f"{len(findings.known)} known, {len(findings.unreadable)} unreadable file(s)"
    )
    for finding in findings.new:
        print(f"new {finding.fingerprint} ({finding.kind}) in {', '.join(finding.executors)}: "
              f"{out / finding.path} ({finding.replay.value})")  # fmt: skip
    print(f"report: {out / REPORT}")
    if arguments.github_output is not None:
        _append(arguments.github_output, f"new={len(findings.new)}\nknown={len(findings.known)}\n")
    return EXIT_FOUND if findings.new else EXIT_OK


def _run_info(arguments: argparse.Namespace, environment: Mapping[str, str]) -> RunInfo:
    run = RunInfo.from_environment(environment)
    return RunInfo(
        repository=arguments.repo or run.repository,
        run_id=arguments.run_id or run.run_id,
        commit=arguments.commit or run.commit,
        server_url=run.server_url,
    )


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as stream:
            stream.write(text)
    except OSError as error:
        raise NightlyError(f"cannot write {path}: {error.strerror}") from None


def step_issues(arguments: argparse.Namespace) -> int:
    directory: Path = arguments.findings
    findings = read_findings(directory)
    repository: str | None = arguments.repo or findings.run.repository
    bodies: Path = arguments.bodies or directory / "issues"
    if arguments.open_issues is not None:
        open_issues = open_issues_by_fingerprint(_read_json(arguments.open_issues))
    elif arguments.execute and findings.new:
        open_issues = query_open_issues(repository, arguments.label)
    else:
        open_issues = {}
    commands = plan_issues(findings, directory, bodies, open_issues, repository, arguments.label)
    for command in commands:
        print(command.shown())
    if not arguments.execute:
        return EXIT_OK
    failures = run_commands(commands)
    for failure in failures:
        print(f"txparity: error: {failure}", file=sys.stderr)
    return EXIT_FOUND if failures else EXIT_OK


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise NightlyError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise NightlyError(f"{path}: not JSON ({error})") from None


_STEPS: Mapping[str, Callable[[argparse.Namespace], int]] = {
    "plan": step_plan,
    "merge": step_merge,
    "issues": step_issues,
}


if __name__ == "__main__":
    raise SystemExit(main())

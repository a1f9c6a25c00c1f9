"""The nightly job: campaigns on many machines, merged, and told to people.

A night runs in three steps, each a command of ``python -m txparity.harness.nightly``
that the scripts in ``ci/`` and the nightly workflow call:

1. ``plan``: the shards (``plan_shards``), one campaign each, over the case
   profiles and formats, each with a seed of its own derived from the night's.
   Every shard fuzzes a copy of the committed corpus, so it first replays it and
   never saves a fingerprint the corpus has.
2. ``merge``: every shard's corpus, read entry by entry, merged into one findings
   directory (``merge_shards``): one entry per new fingerprint, the smallest, each
   replayed once more, and a Markdown report of the night.
3. ``issues``: from the findings directory alone, the issue bodies and the ``gh``
   command lines (``plan_issues``) that open one issue per new fingerprint, or
   comment on the open issue that already has it.

Nothing in steps 1 and 2 needs GitHub; step 3 needs it only to run the commands.
"""

from __future__ import annotations

from txparity.harness.nightly._errors import NightlyError
from txparity.harness.nightly._findings import (
    CORPUS_DIR,
    MANIFEST,
    REPORT,
    FindingRecord,
    Findings,
    KnownRecord,
    Replay,
    RunInfo,
    ShardRecord,
    read_findings,
)
from txparity.harness.nightly._issues import (
    ARTIFACT,
    LABEL,
    GhCommand,
    comment_body,
    issue_body,
    issue_title,
    list_open_issues_command,
    marker,
    open_issues_by_fingerprint,
    plan_issues,
    query_open_issues,
    replay_locally,
    run_commands,
)
from txparity.harness.nightly._merge import SHARD_FILE, SUMMARY_FILE, merge_shards
from txparity.harness.nightly._plan import (
    CASE_FORMATS,
    DEFAULT_MINUTES,
    DEFAULT_SHARDS,
    Shard,
    job_timeout_minutes,
    plan_shards,
    step_timeout_minutes,
)

__all__ = [
    "ARTIFACT",
    "CASE_FORMATS",
    "CORPUS_DIR",
    "DEFAULT_MINUTES",
    "DEFAULT_SHARDS",
    "LABEL",
    "MANIFEST",
    "REPORT",
    "SHARD_FILE",
    "SUMMARY_FILE",
    "FindingRecord",
    "Findings",
    "GhCommand",
    "KnownRecord",
    "NightlyError",
    "Replay",
    "RunInfo",
    "Shard",
    "ShardRecord",
    "comment_body",
    "issue_body",
    "issue_title",
    "job_timeout_minutes",
    "list_open_issues_command",
    "marker",
    "merge_shards",
    "open_issues_by_fingerprint",
    "plan_issues",
    "plan_shards",
    "query_open_issues",
    "read_findings",
    "replay_locally",
    "run_commands",
    "step_timeout_minutes",
]

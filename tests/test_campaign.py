"""Fuzz campaigns: planted bugs are found and saved, campaigns reproduce, and a
killed campaign loses nothing it had found."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from executors.model import Account, Genesis
from harness.campaign import CampaignConfig, Summary, _generator_bug, draw_case, run_campaign
from harness.corpus import corpus_files, load_entry
from tests.test_quality import PLANTED

# Every planted bug shows within the first 14 cases of seed 0 in its profile.
CASES = 40


def campaign(tmp_path: Path, *specs: str, **changes: object) -> Summary:
    config = CampaignConfig(
        specs=specs, seconds=None, cases=CASES, seed=0, corpus=tmp_path / "corpus",
        workers=1, shrink_seconds=10.0,
    )  # fmt: skip
    return run_campaign(replace(config, **changes))  # type: ignore[arg-type]


def stable(summary: Summary) -> dict[str, object]:
    """The summary without the figures that measure time."""
    data = summary.to_json()
    del data["seconds"], data["first_divergence_s"]
    return data


@pytest.mark.parametrize("mutant", sorted(PLANTED))
def test_a_campaign_finds_and_saves_each_planted_bug(tmp_path: Path, mutant: str) -> None:
    summary = campaign(tmp_path, f"{mutant}@memory/seeded", profile=PLANTED[mutant])
    assert summary.cases == CASES
    assert summary.divergences >= 1
    assert summary.saved, "a new fingerprint is saved"
    assert len(summary.saved) == len(summary.fingerprints)
    for path, txs in zip(summary.saved, summary.shrunk_txs, strict=True):
        entry = load_entry(Path(path))
        assert entry.shrunk and entry.executors == (f"{mutant}@memory/seeded",)
        assert len(entry.case.block.txs) == txs
        assert Path(path).parent.name == entry.fingerprint
    files = list(corpus_files([tmp_path / "corpus"]))
    assert sorted(map(str, files)) == sorted(summary.saved)  # no unshrunk file left
    assert summary.executors[f"{mutant}@memory/seeded"].cases == CASES


def test_correct_executors_find_nothing(tmp_path: Path) -> None:
    summary = campaign(tmp_path, "batched@memory/seeded", "blockstm@sqlite/pct")
    assert (summary.cases, summary.divergences, summary.saved) == (CASES, 0, [])
    tallies = summary.executors
    assert tallies["batched@memory/seeded"].cases == CASES
    assert tallies["blockstm@sqlite/pct"].runs == CASES
    assert tallies["blockstm@sqlite/pct"].parallel > CASES // 2
    assert not (tmp_path / "corpus").exists() or not list((tmp_path / "corpus").iterdir())


def test_the_same_seed_and_count_reproduce_the_campaign(tmp_path: Path) -> None:
    spec = "batched-racy-fees@memory/seeded"
    first = campaign(tmp_path / "one", spec, profile="mixed")
    second = campaign(tmp_path / "two", spec, profile="mixed")
    relative = [Path(p).relative_to(tmp_path / "one") for p in first.saved]
    assert [Path(p).relative_to(tmp_path / "two") for p in second.saved] == relative
    one, two = stable(first), stable(second)
    one["saved"] = two["saved"] = None
    assert one == two
    assert first.divergences > 0


def test_cases_do_not_depend_on_the_number_of_workers(tmp_path: Path) -> None:
    spec = "batched-lost-fees@memory/seeded"
    alone = campaign(tmp_path / "one", spec, profile="mixed")
    pair = campaign(tmp_path / "two", spec, profile="mixed", workers=2)
    assert (pair.cases, pair.divergences) == (alone.cases, alone.divergences)
    assert pair.fingerprints == alone.fingerprints
    assert pair.executors[spec].runs == alone.executors[spec].runs


def test_a_rerun_replays_the_corpus_and_does_not_save_a_known_fingerprint(
    tmp_path: Path,
) -> None:
    spec = "batched-no-sender-debit@memory/seeded"
    first = campaign(tmp_path, spec, profile="mixed")
    again = campaign(tmp_path, spec, profile="mixed")
    assert again.replayed == len(first.saved) > 0
    assert again.saved == []
    assert again.fingerprints == first.fingerprints


def test_drawing_is_deterministic_per_seed_and_index() -> None:
    assert draw_case("mixed", 3, 17) == draw_case("mixed", 3, 17)
    assert draw_case("mixed", 3, 17) != draw_case("mixed", 3, 18)


def test_a_generated_case_the_decoder_refuses_is_a_harness_bug() -> None:
    case = draw_case("mixed", 0, 0)
    assert case is not None
    broken = replace(case, genesis=Genesis({"NOT VALID": Account(0, {})}, {}))
    message = _generator_bug(broken)
    assert message is not None
    assert message.startswith("the generator produced an invalid case: genesis.accounts[")
    assert _generator_bug(case) is None


def test_kill_minus_nine_loses_nothing_already_found(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    command = [
        sys.executable, "-m", "harness", "fuzz", "--executor",
        "blockstm-stale-read@memory/seeded", "--profile", "contended", "--cases", "100000",
        "--seed", "0", "--workers", "1", "--shrink-seconds", "600", "--corpus", str(corpus),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        found = _wait_for_a_file(corpus, seconds=60)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    entry = load_entry(found)  # whole, though the run died while shrinking it
    assert entry.executors == ("blockstm-stale-read@memory/seeded",)
    assert not [p for p in corpus.rglob("*") if p.name.startswith(".tmp-")]
    rerun = subprocess.run(
        [sys.executable, "-m", "harness", "replay", str(corpus)], capture_output=True, text=True
    )
    assert rerun.returncode == 1
    assert f"DIVERGES {found}" in rerun.stdout


def _wait_for_a_file(corpus: Path, seconds: float) -> Path:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        files = list(corpus_files([corpus])) if corpus.is_dir() else []
        if files:
            return files[0]
        time.sleep(0.05)
    raise AssertionError("the campaign saved nothing in time")


def test_the_cli_ends_with_the_json_summary(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "fuzz", "--executor", "batched@memory/seeded",
         "--cases", "5", "--seed", "1", "--workers", "1", "--json",
         "--corpus", str(tmp_path / "corpus")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert set(summary) >= {
        "cases", "seconds", "divergences", "fingerprints", "saved", "shrunk_txs",
        "first_divergence_s",
    }  # fmt: skip
    assert (summary["cases"], summary["divergences"], summary["saved"]) == (5, 0, [])
    assert "seed 1" in done.stderr and "batched@memory/seeded" in done.stdout


def test_the_cli_exits_1_on_a_divergence(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "harness", "fuzz", "--executor",
         "batched-lost-fees@memory/seeded", "--cases", "3", "--seed", "0", "--workers", "1",
         "--shrink-seconds", "5", "--corpus", str(tmp_path / "corpus")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "saved " in done.stdout

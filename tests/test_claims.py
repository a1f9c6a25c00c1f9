"""Claims on a fingerprint (``harness.claims``): held by one live process at a time,
never by a dead one, and leaving nothing behind once let go."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from txparity.harness.claims import (
    CLAIM_NAME,
    STALE_TEMPORARY_S,
    claim,
    remove_stale_temporaries,
)


def test_a_claim_is_held_by_one_holder_at_a_time(tmp_path: Path) -> None:
    directory = tmp_path / "corpus" / "0123456789abcdef"
    with claim(directory) as first:
        assert first is True
        assert (directory / CLAIM_NAME).read_text().startswith(f"pid {os.getpid()} since ")
        with claim(directory) as second:  # another open file description: excluded too
            assert second is False
    assert list(directory.iterdir()) == []  # let go: no claim file left
    with claim(directory) as again:
        assert again is True


def test_a_claim_held_by_another_live_process_is_refused(tmp_path: Path) -> None:
    directory = tmp_path / "f"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\n"
         "from pathlib import Path\n"
         "from txparity.harness.claims import claim\n"
         "with claim(Path(sys.argv[1])) as held:\n"
         "    print(held, flush=True)\n"
         "    time.sleep(600)\n", str(directory)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "True\n"  # the handshake: it holds the claim
        with claim(directory) as held:
            assert held is False
        holder.kill()  # SIGKILL: no chance to let go
        holder.wait()
        with claim(directory) as held:
            assert held is True  # the kernel dropped the dead holder's lock
    finally:
        holder.kill()
        holder.wait()


def test_a_claim_file_left_by_a_killed_holder_does_not_block(tmp_path: Path) -> None:
    directory = tmp_path / "f"
    directory.mkdir()
    (directory / CLAIM_NAME).write_text("pid 99999 since 0\n")
    with claim(directory) as held:
        assert held is True
    assert not (directory / CLAIM_NAME).exists()


def test_only_stale_temporaries_are_removed(tmp_path: Path) -> None:
    old, fresh, kept = tmp_path / ".tmp-old.json", tmp_path / ".tmp-new.json", tmp_path / "a.json"
    for path in (old, fresh, kept):
        path.write_text("{")
    long_ago = time.time() - STALE_TEMPORARY_S - 60
    os.utime(old, (long_ago, long_ago))
    os.utime(kept, (long_ago, long_ago))
    assert remove_stale_temporaries(tmp_path) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".tmp-new.json", "a.json"]

"""Concurrent approvals from separate processes: exactly one wins, the loser hears why,
and the governance log stays one valid chain (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

from tests.board.conftest import NOW, board  # noqa: F401 (fixture)


def test_two_board_members_approving_one_waiver_at_once(board, tmp_path):  # noqa: F811
    fin = board.board.principal("fin@example.com")
    item = board.board.request_waiver(
        fin, "revenue", "owner-present", "Owner starts in January", NOW + timedelta(days=40)
    )
    env = {
        **os.environ,
        "MESHGOV_WORKSPACE": str(tmp_path),
        "MESHGOV_DB_URL": board.store.url,
    }
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "governance.cli",
                "board",
                "decide",
                str(item["id"]),
                "--outcome",
                "approved",
                "--rationale",
                f"approved by {who}",
                "--as",
                who,
                "--version",
                str(item["version"]),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for who in ("chair@example.com", "sec@example.com")
    ]
    results = [(p.wait(120), p.stdout.read()) for p in processes]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 4], results
    loser = next(output for code, output in results if code == 4)
    assert "conflict:" in loser and "reload it and try again" in loser
    detail = board.board.item_detail(item["id"])
    assert len(detail["decisions"]) == 1
    [waiver] = board.board.waivers("revenue")
    assert waiver["status"] == "approved" and waiver["decision_id"] == "GDR-0001"
    assert board.ledger.verify().ok

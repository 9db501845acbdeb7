"""`make eval` (issue 14): the retrieval table over sample-docs/ and its target.

The question set is written for sample-docs/; keyword retrieval alone must find the answering passage in
its top five for at least 90 % of the questions. The figures are printed by the real command a developer
runs, so this test fails when the splitter, the ranking, the docs or the questions drift apart."""

import json
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROW = re.compile(r"^\| (?P<name>[a-z ()]+?) \| (?P<r1>[0-9.]+) \| (?P<r5>[0-9.]+) \| (?P<mrr>[0-9.]+) \|$")


def eval_table() -> dict[str, dict[str, float]]:
    result = subprocess.run(["make", "--no-print-directory", "eval"], cwd=REPO, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    rows = {}
    for line in result.stdout.splitlines():
        if match := ROW.match(line.strip()):
            rows[match["name"]] = {k: float(match[k]) for k in ("r1", "r5", "mrr")}
    assert rows, f"no table in make eval's output:\n{result.stdout}"
    return rows


def test_make_eval_prints_the_table_and_keyword_recall_at_5_meets_the_target():
    rows = eval_table()
    assert set(rows) == {"keyword", "semantic (hashed words)", "fused"}, rows
    assert rows["keyword"]["r5"] >= 0.9, rows
    for name, figures in rows.items():
        assert 0 <= figures["r1"] <= figures["r5"] <= 1, (name, figures)
        assert 0 < figures["mrr"] <= 1, (name, figures)
    questions = len(json.loads((REPO / "Tests/eval/questions.json").read_text())["questions"])
    assert questions >= 40

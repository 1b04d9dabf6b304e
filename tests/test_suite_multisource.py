"""The multi-source track of the benchmark suite (benchmarks/suite_multisource.py):
its summaries count what they say, and its labelled variant trains each
baseline on the rows it names and scores every method on rows no method
saw labelled."""

import sys
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import suite_multisource as ms  # noqa: E402


def _row(task, method, score, seed=0):
    return dict(task=task, family="f", seed=seed, method=method, score=score,
                fit_s=0.0, detail="", status="ok")


def test_summary_counts_the_tasks_where_a_variant_beats_both_baselines():
    rows = [_row("a", "pooled", 70), _row("a", "best_single", 60),
            _row("a", "ms_weighted", 72), _row("a", "single:x", 60),
            _row("b", "pooled", 50), _row("b", "best_single", 56),
            _row("b", "ms_weighted", 55),
            # two seeds of c: the means are compared (71 against 70 and 69)
            _row("c", "pooled", 70), _row("c", "best_single", 69), _row("c", "ms_weighted", 74),
            _row("c", "pooled", 70, seed=1), _row("c", "best_single", 69, seed=1),
            _row("c", "ms_weighted", 68, seed=1)]
    text = "\n".join(ms.summary(rows))
    # a: +2 / +12 (wins); b: +5 / -1 (no); c: +1 / +2 (wins)
    assert "| ms_weighted | 2 of 3 | +2.67 | +4.33 | -1.0 |" in text


def test_labelled_summary_compares_with_both_labelled_baselines():
    rows = [_row("a", "pooled", 70), _row("a", "pooled_labelled", 72),
            _row("a", "ms_labelled_distribution", 75),
            _row("b", "pooled", 60), _row("b", "pooled_labelled", 58),
            _row("b", "ms_labelled_distribution", 59)]
    text = "\n".join(ms.labelled_summary(rows))
    assert "failed" not in text
    # a: +5 / +3 (wins); b: -1 / +1 (no): worst against the better of the two -1
    assert "| ms_labelled_distribution | 1 of 2 | +2.00 | +2.00 | -1.0 |" in text
    assert "| a | 70.0 | 72.0 | 75.0 |" in text
    rows.append({**_row("b", "ms_labelled_weighted", None), "status": "error: ValueError: x"})
    assert ms.labelled_summary(rows)[0] == (
        "**1 fits failed** (not in the tables), the first: ms_labelled_weighted on b: "
        "error: ValueError: x")


def test_labelled_task_on_heart(shared_data):
    from suite_auto import label_target_rows
    from suite_tasks import multi_source_tasks

    task = next(t for t in multi_source_tasks(["heart"]) if t.name.endswith("switzerland"))
    problem = task.draw(shared_data, 0)
    rows = ms.run_labelled_task(task, problem, 0, 0.1, log=lambda m: None)
    assert [r["method"] for r in rows] == list(ms.LABELLED_METHODS)
    assert all(r["status"] == "ok" and 0 <= r["score"] <= 100 for r in rows), rows
    _, lab = label_target_rows(problem, 0.1, 0)
    assert rows[0]["detail"] == f"{len(lab)} labelled" and len(lab) >= 5
    # the labelled rows are never scored
    assert not set(lab) & set(problem.eval_index)


def test_page_needs_the_pooled_baseline(tmp_path, capsys):
    rows = [_row("a", "auto", 70), _row("a", "best_single", 60)]
    assert ms.write_page(rows, [], tmp_path, "cmd", 1.0) is None
    assert not (tmp_path / "suite_multisource.md").exists()
    assert "assemble it" in capsys.readouterr().out


def test_both_variants_write_their_csv_after_each_task(shared_data, tmp_path):
    quiet = lambda m: None  # noqa: E731
    rows = ms.run_labelled(shared_data, tmp_path / "l", 0.1, families=("heart",),
                           seeds=(0,), tasks=["switzerland"], log=quiet)
    assert ms.read_csv(tmp_path / "l" / "suite_multisource_labelled.csv") == rows
    rows = ms.run_track(shared_data, tmp_path / "t", families=("heart",), seeds=(0,),
                        tasks=["switzerland"], methods=("pooled",), log=quiet)
    assert [r["method"] for r in rows][-1] == "pooled"
    assert len(ms.read_csv(tmp_path / "t" / "suite_multisource.csv")) == len(rows)

"""Smoke test of benchmarks/bench_deep.py: its quickest run on the CPU
writes its report and CSV, with finite positive throughput ratios."""

import csv
import math
import sys
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_deep  # noqa: E402


def test_quick_run_writes_report_and_csv(tmp_path, shared_data):
    import sklearn

    routing = sklearn.get_config()["enable_metadata_routing"]
    result = bench_deep.main(["--quick", "--device", "cpu", "--threads", "1",
                              "--out", str(tmp_path), "--data-home", str(shared_data)])

    md, csv_path = tmp_path / "bench_deep_cpu_quick.md", tmp_path / "bench_deep_cpu_quick.csv"
    assert result["markdown"] == md and result["csv"] == csv_path
    assert md.is_file() and csv_path.is_file()
    assert set(result["ratios"]) == set(bench_deep.METHODS)
    for ratio in result["ratios"].values():
        assert math.isfinite(ratio) and ratio > 0
    text = md.read_text()
    assert "ours / hand" in text and "amazon -> webcam" in text
    with open(csv_path) as f:
        rows = list(csv.DictReader(f))
    throughput = [r for r in rows if r["part"] == "throughput"]
    assert len(throughput) == 2 * len(bench_deep.METHODS)
    assert all(float(r["rows_per_s"]) > 0 for r in throughput)
    office = [r for r in rows if r["part"] != "throughput"]
    assert office and all(0 <= float(r["target_accuracy"]) <= 1 for r in office)
    # importing skada turns metadata routing on; main restores the setting
    assert sklearn.get_config()["enable_metadata_routing"] == routing

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from matchmaking.bench.matching import load_bench, matching_command, query_metrics, run_matching_bench

FIXTURE = Path(__file__).parent / "fixtures" / "matchbench"
TOP_LEVEL = ("ndcg@10", "recall@10", "mrr", "p@1", "latency_ms_p50", "latency_ms_p95", "queries")


def test_metrics_of_one_ranking():
    grades = {"a": 2, "b": 1, "c": 0, "d": 2}
    m = query_metrics(["c", "a", "b", "x"], grades)
    dcg = 3 / math.log2(3) + 1 / math.log2(4)
    idcg = 3 + 3 / math.log2(3) + 1 / math.log2(4)
    assert m["ndcg@10"] == pytest.approx(dcg / idcg)
    assert m["recall@10"] == 0.5  # one of the two grade-2 profiles in the top 10
    assert m["mrr"] == 0.5 and m["p@1"] == 0.0
    perfect = query_metrics(["a", "d", "b"], grades)
    assert perfect["ndcg@10"] == pytest.approx(1.0) and perfect["p@1"] == 1.0
    assert query_metrics([], grades) == {"ndcg@10": 0.0, "recall@10": 0.0, "mrr": 0.0, "p@1": 0.0}


def test_load_bench_reads_the_three_files(tmp_path):
    bench = load_bench(FIXTURE)
    assert len(bench.capabilities) == 5 and len(bench.demands) == 3
    assert bench.qrels["dem-1"] == {"cap-a": 2, "cap-e": 1, "cap-c": 0}
    with pytest.raises(FileNotFoundError, match="qrels.tsv"):
        load_bench(tmp_path)


@pytest.fixture(scope="module")
def report(embedder, model_settings, tmp_path_factory):
    settings = model_settings.with_(data_dir=tmp_path_factory.mktemp("bench-data"))
    return run_matching_bench(FIXTURE, settings, json_output=True, embedder=embedder)


def test_report_has_the_contract_keys_and_sane_values(report):
    for key in TOP_LEVEL:
        assert key in report
    assert report["queries"] == 3 and report["documents"] == 5 and report["backend"] == "embedded"
    for name in ("ndcg@10", "recall@10", "mrr", "p@1"):
        assert 0.0 <= report[name] <= 1.0
    assert 0 < report["latency_ms_p50"] <= report["latency_ms_p95"]
    assert set(report["ablations"]) >= {"lexical_only", "dense_only"}
    assert report["cv"]["k"] == 3 and len(report["cv"]["folds"]) == 3  # 5 folds requested, 3 demands
    assert report["replay_top10_agreement"] == "3/3"


def test_clear_answers_come_first(report):
    top = {row["demand"]: row["top3"] for row in report["per_query"]}
    assert top["dem-2"][0] == "cap-b" and top["dem-3"][0] == "cap-d"
    # dem-1 has a decoy (charging piles) that the dense side likes; the answer is still in the top two
    assert "cap-a" in top["dem-1"][:2]
    assert report["recall@10"] == 1.0


def test_the_command_prints_one_json_object(model_dir, tmp_path):
    env = {"LAB_DATA_DIR": str(tmp_path / "data"), "LAB_MODEL_DIR": str(model_dir)}
    result = CliRunner().invoke(matching_command, ["--data", str(FIXTURE), "--json", "--no-http"], env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert all(key in report for key in TOP_LEVEL)
    assert not (tmp_path / "data" / "search").exists()  # indexed in a temporary directory


def test_the_command_rejects_a_folder_without_the_files(tmp_path):
    result = CliRunner().invoke(
        matching_command, ["--data", str(tmp_path), "--no-http"], env={"LAB_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code != 0 and "capabilities.jsonl" in result.output


def test_report_has_hub_share_calibration_and_coverage(report):
    assert set(report["hub_share"]) == {"hybrid", "without_hub", "dense_only"}
    for share in report["hub_share"].values():
        assert 0.0 < share["share"] <= 1.0 and share["profile"].startswith("cap-")
    assert "without_hub" in report["ablations"] and "hub_weight" in report["cv"]["fitted_on_all"]
    calibration = report["calibration"]
    assert calibration["pairs"] == 3 * 5  # every ranked pair of the 3 demands (fewer than the depth)
    for key in ("ece_relevant", "ece_direct", "ece_raw_cosine"):
        assert 0.0 <= calibration[key] <= 1.0
    assert calibration["fitted_on_all"]["relevant_slope"] >= 0.0
    coverage = report["coverage"]
    assert coverage["demands"] == 3 and coverage["needs_mean"] >= 1
    assert 0.0 <= coverage["needs_covered_best_single"] <= coverage["needs_covered_with_teams"] <= 1.0

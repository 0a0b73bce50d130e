"""``scenario-lab bench encoder [--data DIR] [--json]``: the embedding backends side by side.

For each backend (``torch``: sentence-transformers fp32; ``onnx``: ONNX Runtime int8 per-channel
dynamic quantisation) it prints: batch throughput (texts/s, batch 32, 100-character texts),
single-query latency p50/p95 for short (at most 10 characters) and long (at least 200 characters)
queries, min and mean cosine against the torch fp32 vectors of the same texts (queries and
passages), and, given a matchbench folder, dense-only nDCG@10 / MRR (demands' query vectors against
the profiles' passage vectors, cosine order, no lexical side, no domain term, no feedback).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
import numpy as np

from matchmaking.bench.search import synthetic_docs, synthetic_queries

BACKENDS = ("torch", "onnx")


def _texts(n: int, chars: int, seed: int) -> list[str]:
    docs = synthetic_docs(n * 3, seed=seed)
    out = []
    for d in docs:
        text = (d.title + "。" + d.body) * 4
        out.append(text[:chars])
        if len(out) == n:
            break
    return out


def _pct(samples: list[float]) -> tuple[float, float]:
    ms = np.asarray(samples) * 1000
    return round(float(np.percentile(ms, 50)), 2), round(float(np.percentile(ms, 95)), 2)


def _dense_quality(embedder, data_dir: Path) -> dict:
    from matchmaking.bench.matching import capability_document, demand_document, load_bench, mean_metrics, query_metrics
    from matchmaking.composer import document_text

    bench = load_bench(data_dir)
    docs = [capability_document(row) for row in bench.capabilities]
    passages = embedder.encode_passages([document_text(d) for d in docs])
    queries = embedder.encode_queries([document_text(demand_document(row)) for row in bench.demands])
    per_query = []
    for row, vector in zip(bench.demands, queries):
        order = np.argsort(-(passages @ vector), kind="stable")
        per_query.append(query_metrics([docs[i].id for i in order], bench.qrels.get(row["id"], {})))
    return mean_metrics(per_query)


def run_encoder_bench(settings, data_dir: Path | None, progress=print) -> dict:
    from matchmaking.embedder import Embedder

    batch_texts = _texts(256, 100, seed=5)
    short = [q[:10] for q in synthetic_queries(60, seed=21)]
    long = _texts(40, 220, seed=9)
    probe = batch_texts[:100] + short[:50] + long[:20]
    report: dict = {"texts": {"batch": len(batch_texts), "short": len(short), "long": len(long)}, "backends": {}}
    reference = None
    for name in BACKENDS:
        progress(f"{name}: loading …")
        embedder = Embedder(settings.with_(embedding_backend=name))
        started = time.perf_counter()
        embedder.load()
        load_s = time.perf_counter() - started
        embedder.encode_passages(batch_texts[:32])  # warm up
        started = time.perf_counter()
        embedder.encode_passages(batch_texts)
        rate = len(batch_texts) / (time.perf_counter() - started)
        timings = {}
        for label, queries in (("short", short), ("long", long)):
            samples = []
            for q in queries:
                started = time.perf_counter()
                embedder.encode_queries([q])
                samples.append(time.perf_counter() - started)
            timings[label] = _pct(samples)
        vectors = np.vstack([embedder.encode_queries(probe), embedder.encode_passages(probe)])
        if reference is None:
            reference = vectors
        cosines = np.sum(vectors * reference, axis=1)
        entry = {
            "model_id": embedder.model_id,
            "load_s": round(load_s, 1),
            "texts_per_s": round(rate, 1),
            "short_p50_ms": timings["short"][0],
            "short_p95_ms": timings["short"][1],
            "long_p50_ms": timings["long"][0],
            "long_p95_ms": timings["long"][1],
            "cosine_vs_fp32_min": round(float(cosines.min()), 5),
            "cosine_vs_fp32_mean": round(float(cosines.mean()), 5),
        }
        if data_dir is not None:
            progress(f"{name}: dense-only quality on {data_dir} …")
            quality = _dense_quality(embedder, data_dir)
            entry["dense_ndcg@10"] = quality["ndcg@10"]
            entry["dense_mrr"] = quality["mrr"]
        report["backends"][name] = entry
        del embedder
    return report


def format_report(report: dict) -> str:
    keys = [
        "texts_per_s",
        "short_p50_ms",
        "short_p95_ms",
        "long_p50_ms",
        "long_p95_ms",
        "cosine_vs_fp32_min",
        "cosine_vs_fp32_mean",
        "dense_ndcg@10",
        "dense_mrr",
        "load_s",
    ]
    names = list(report["backends"])
    lines = [
        f"encoder benchmark: batch {report['texts']['batch']} texts of 100 chars (batch 32), "
        f"{report['texts']['short']} short (<=10 chars) and {report['texts']['long']} long (>=200 chars) queries",
        f"{'':<22}" + "".join(f"{n:>16}" for n in names),
    ]
    for key in keys:
        if all(key in report["backends"][n] for n in names):
            lines.append(f"{key:<22}" + "".join(f"{report['backends'][n][key]:>16}" for n in names))
    lines.extend(f"model id {n}: {report['backends'][n]['model_id']}" for n in names)
    return "\n".join(lines)


@click.command("encoder")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="matchbench 目录：另测仅向量检索的 nDCG@10",
)
@click.option("--json", "json_output", is_flag=True, help="输出一个 JSON 对象")
def encoder_command(data_dir: Path | None, json_output: bool) -> None:
    """向量模型基准：torch 与 onnx 的吞吐、单条查询延迟、与 fp32 的余弦、仅向量 nDCG@10。"""
    from lab.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    report = run_encoder_bench(settings, data_dir, progress=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(report, ensure_ascii=False) if json_output else format_report(report))

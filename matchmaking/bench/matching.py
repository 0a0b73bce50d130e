"""``scenario-lab bench matching --data DIR [--json]``: matching quality on a matchbench folder.

The folder holds ``capabilities.jsonl``, ``demands.jsonl`` and ``qrels.tsv`` (see
``../shared/matchbench/README.md``). The capabilities are indexed in a temporary data directory
through the production path (``capability``-shaped ``SearchDocument``, ``composer.document_text``,
``Embedder.encode_passages``, the configured backend's ``upsert``); every demand is then run as
production would run it (``encode_queries`` + ``backend.search`` for candidates + ``ranking.rerank``)
and timed. Printed: nDCG@10 (gain 2^grade - 1), Recall@10 of grade-2 profiles, MRR of the first
grade-2 profile, P@1, latency p50/p95, the lexical-only and dense-only ablations (and each
component left out), and a 5-fold cross-validation over demands that refits the two weights and the
feedback depth on four folds and scores the fifth. Ablations and folds are replayed in memory from
the collected candidates and the indexed vectors (the check line says the replay reproduces the
production rankings).
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import click
import numpy as np

from matchmaking.matches import search_and_rank
from matchmaking.ranking import (CANDIDATES, DEFAULT_PARAMS, DENSE_ONLY, LEXICAL_ONLY, Candidate, RankerParams,
                                 feedback_query, rerank, with_semantic)

LEXICAL_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4)
DOMAIN_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5)
FEEDBACK_GRID = (0, 3, 5)
FOLDS = 5
SEED = 0
METRICS = ("ndcg@10", "recall@10", "mrr", "p@1")


@dataclass(frozen=True)
class Bench:
    capabilities: list[dict]
    demands: list[dict]
    qrels: dict[str, dict[str, int]]


@dataclass
class Query:
    """One demand: its vector, its first-search candidates, the production ranking and its timing."""

    demand: dict
    vector: np.ndarray
    candidates: list[Candidate]
    ranking: list[str]
    search_ms: float
    matrix: np.ndarray | None = None  # candidate vectors, built on the first replay


@dataclass
class Run:
    """Everything collected from the backend; rankings with other parameters are replayed from it."""

    bench: Bench
    queries: list[Query]
    doc_vectors: dict[str, np.ndarray]
    info: dict

def load_bench(data_dir: Path) -> Bench:
    data_dir = Path(data_dir)
    missing = [n for n in ("capabilities.jsonl", "demands.jsonl", "qrels.tsv") if not (data_dir / n).is_file()]
    if missing:
        raise FileNotFoundError(f"{data_dir} lacks {', '.join(missing)}")

    def rows(name):
        with open(data_dir / name, encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    qrels: dict[str, dict[str, int]] = {}
    with open(data_dir / "qrels.tsv", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                demand_id, capability_id, grade = line.rstrip("\n").split("\t")
                qrels.setdefault(demand_id, {})[capability_id] = int(grade)
    return Bench(rows("capabilities.jsonl"), rows("demands.jsonl"), qrels)


def capability_document(row: dict):
    """The benchmark profile as ``indexing.capability_document`` shapes a database profile."""
    from matchmaking.search import SearchDocument

    cases = [str(c) for c in row.get("cases") or [] if c]
    body = row.get("summary") or ""
    if cases:
        body = body + "\n" + "；".join(cases)
    return SearchDocument(id=row["id"], kind="capability", title=row["title"], body=body,
                          keywords=list(row.get("keywords") or []), domains=list(row.get("domains") or []),
                          org_kind=row.get("org_kind"), status="published",
                          extra={"organisation": row.get("org"), "region": row.get("region")})


def demand_document(row: dict):
    from matchmaking.search import SearchDocument

    return SearchDocument(id=row["id"], kind="demand", title=row["title"], body=row.get("description") or "",
                          domains=[row["domain"]] if row.get("domain") else [], district=row.get("district"))


# -- metrics ------------------------------------------------------------------------------------
def query_metrics(ranking: Sequence[str], grades: dict[str, int], k: int = 10) -> dict[str, float]:
    """nDCG@k (gain 2^grade - 1), Recall@k of grade 2, reciprocal rank of the first grade 2, P@1."""
    gains = [grades.get(doc_id, 0) for doc_id in ranking]
    dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    relevant = sum(1 for g in grades.values() if g == 2)
    first = next((i for i, g in enumerate(gains) if g == 2), None)
    return {
        "ndcg@10": dcg / idcg if idcg > 0 else 0.0,
        "recall@10": sum(1 for g in gains[:k] if g == 2) / relevant if relevant else 0.0,
        "mrr": 0.0 if first is None else 1.0 / (first + 1),
        "p@1": float(bool(gains) and gains[0] == 2),
    }


def mean_metrics(per_query: Sequence[dict[str, float]]) -> dict[str, float]:
    if not per_query:
        return {name: 0.0 for name in METRICS}
    return {name: round(float(np.mean([m[name] for m in per_query])), 4) for name in METRICS}


def replay(run: Run, query: Query, params: RankerParams) -> list[str]:
    """The ranking ``search_and_rank`` would give with ``params``, recomputed in memory.

    The second (semantic-only) search of the feedback step is an exact cosine over the stored vectors,
    so it is recomputed from the indexed vectors instead of asking the backend again per grid point.
    """
    domains = demand_document(query.demand).domains
    ranked = rerank(query.candidates, domains, params)
    if params.feedback_docs > 0 and len(ranked) > 1:
        best = [run.doc_vectors[r.id] for r in ranked[: params.feedback_docs]]
        moved = feedback_query(query.vector, np.vstack(best), params.feedback_weight)
        if query.matrix is None:
            query.matrix = np.vstack([run.doc_vectors[c.id] for c in query.candidates])
        scores = dict(zip((c.id for c in query.candidates), (query.matrix @ moved).tolist()))
        ranked = rerank(with_semantic(query.candidates, scores), domains, params)
    return [r.id for r in ranked]


def evaluate(run: Run, params: RankerParams, queries: Sequence[Query] | None = None) -> list[dict[str, float]]:
    return [query_metrics(replay(run, q, params), run.bench.qrels.get(q.demand["id"], {}))
            for q in (run.queries if queries is None else queries)]


def _objective(per_query: Sequence[dict[str, float]]) -> float:
    return float(np.mean([(m["ndcg@10"] + m["mrr"]) / 2 for m in per_query]))


def grid_points(grid: dict | None = None) -> list[RankerParams]:
    grid = grid or {}
    return [replace(DEFAULT_PARAMS, lexical_weight=lexical, domain_weight=domain, feedback_docs=feedback)
            for feedback in grid.get("feedback_docs", FEEDBACK_GRID)
            for lexical in grid.get("lexical_weight", LEXICAL_GRID)
            for domain in grid.get("domain_weight", DOMAIN_GRID)]


def fit_params(points: Sequence[RankerParams], scored: dict, subset: Sequence[int]) -> RankerParams:
    """The point with the best mean of nDCG@10 and MRR over ``subset`` (the first one on ties)."""
    best, best_value = points[0], -1.0
    for params in points:
        value = _objective([scored[params][i] for i in subset])
        if value > best_value + 1e-12:
            best, best_value = params, value
    return best


def cross_validate(run: Run, folds: int = FOLDS, seed: int = SEED, grid: dict | None = None) -> dict:
    """k-fold CV over demands: fit the weights and feedback depth on k-1 folds, score the held-out fold.

    Each grid point is scored once per demand; a fold picks the point with the best mean of nDCG@10
    and MRR over its training demands (the first one on ties) and is scored on the held-out ones.
    """
    points = grid_points(grid)
    scored = {params: evaluate(run, params) for params in points}
    order = np.random.default_rng(seed).permutation(len(run.queries))
    parts = [part for part in np.array_split(order, folds) if part.size]
    held_out: list[dict[str, float]] = []
    report = []
    for number, test in enumerate(parts, start=1):
        held = set(test.tolist())
        train = [i for i in order.tolist() if i not in held]
        best = fit_params(points, scored, train)
        fold_metrics = [scored[best][i] for i in test.tolist()]
        held_out.extend(fold_metrics)
        report.append({"fold": number, "queries": int(test.size), "lexical_weight": best.lexical_weight,
                       "domain_weight": best.domain_weight, "feedback_docs": best.feedback_docs,
                       **mean_metrics(fold_metrics)})
    # the same procedure on every demand: what the shipped DEFAULT_PARAMS should be
    everything = fit_params(points, scored, order.tolist())
    fitted = {"lexical_weight": everything.lexical_weight, "domain_weight": everything.domain_weight,
              "feedback_docs": everything.feedback_docs}
    return {"k": len(parts), "seed": seed, "grid_points": len(points), "held_out": mean_metrics(held_out),
            "folds": report, "fitted_on_all": fitted}


# -- running ------------------------------------------------------------------------------------
def _progress(iterable, total: int, desc: str, show: bool):
    if not show:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


async def collect(bench: Bench, settings, embedder, show_progress: bool = True,
                  params: RankerParams = DEFAULT_PARAMS) -> Run:
    """Index the capabilities in a temporary data dir, then rank every demand the production way (timed)."""
    from matchmaking.composer import document_text
    from matchmaking.search import SearchQuery, make_backend

    with tempfile.TemporaryDirectory(prefix="bench-matching-") as scratch:
        bench_settings = settings.with_(data_dir=Path(scratch), model_dir=settings.models_path,
                                        meili_index_prefix=f"bench{uuid.uuid4().hex[:8]}")
        await embedder.aload()
        backend = make_backend(bench_settings, embedder.dimension)
        info = {"backend": backend.name, "model": embedder.model_id, "documents": len(bench.capabilities)}
        doc_vectors: dict[str, np.ndarray] = {}
        queries: list[Query] = []
        try:
            docs = [capability_document(row) for row in bench.capabilities]
            started = time.perf_counter()
            batches = range(0, len(docs), 32)
            for start in _progress(batches, len(batches), "indexing", show_progress):
                chunk = docs[start : start + 32]
                vectors = await embedder.aencode_passages([document_text(d) for d in chunk])
                for doc, vector in zip(chunk, vectors):
                    doc.vector = vector
                    doc_vectors[doc.id] = vector
                await backend.upsert(chunk)
            info["index_seconds"] = round(time.perf_counter() - started, 2)
            def lookup(best):  # the indexed vectors, as production reads them from the embedding cache
                return np.vstack([doc_vectors[c.id] for c in best])

            for row in _progress(bench.demands, len(bench.demands), "ranking", show_progress):
                demand = demand_document(row)
                text = document_text(demand)
                started = time.perf_counter()
                ranked = await search_and_rank(backend, embedder, text, demand.domains, kind="capability",
                                               params=params, vectors_for=lookup)
                elapsed = (time.perf_counter() - started) * 1000
                # the query vector and first-search candidates again, untimed, for replays
                vector = (await embedder.aencode_queries([text]))[0]
                result = await backend.search(SearchQuery(text=text, vector=vector, kind="capability",
                                                          limit=CANDIDATES))
                candidates = [Candidate(id=h.id, lexical=h.lexical_score, semantic=h.semantic_score,
                                        domains=tuple(h.document.get("domains") or ())) for h in result.hits]
                queries.append(Query(row, vector, candidates, [r.id for r in ranked], elapsed))
        finally:
            if backend.name != "embedded":
                await backend.clear()
            await backend.close()
    return Run(bench, queries, doc_vectors, info)


def summarise(run: Run, params: RankerParams = DEFAULT_PARAMS) -> dict:
    """Metrics of the production rankings, ablations and cross-validation (replayed), latencies."""
    queries, bench = run.queries, run.bench
    latencies = [q.search_ms for q in queries]
    production = [query_metrics(q.ranking, bench.qrels.get(q.demand["id"], {})) for q in queries]
    agreeing = sum(1 for q in queries if replay(run, q, params)[:10] == q.ranking[:10])
    ablations = {
        "lexical_only": mean_metrics(evaluate(run, LEXICAL_ONLY)),
        "dense_only": mean_metrics(evaluate(run, DENSE_ONLY)),
        "without_feedback": mean_metrics(evaluate(run, replace(params, feedback_docs=0))),
        "without_domain": mean_metrics(evaluate(run, replace(params, domain_weight=0.0))),
        "without_lexical": mean_metrics(evaluate(run, replace(params, lexical_weight=0.0))),
    }
    return {
        **mean_metrics(production),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
        "queries": len(queries),
        "params": params.as_dict(),
        "ablations": ablations,
        "cv": cross_validate(run),
        "replay_top10_agreement": f"{agreeing}/{len(queries)}",
        "per_query": [{"demand": q.demand["id"], "top3": q.ranking[:3], **m} for q, m in zip(queries, production)],
        **run.info,
    }


def run_matching_bench(data_dir: Path, settings, json_output: bool, embedder=None) -> dict:
    """Run the benchmark and return the report (``json_output`` only silences the progress bars)."""
    from matchmaking.embedder import Embedder

    bench = load_bench(data_dir)
    embedder = embedder or Embedder(settings)
    run = asyncio.run(collect(bench, settings, embedder, show_progress=not json_output))
    return summarise(run)


def format_report(report: dict) -> str:
    def row(name, m):
        return f"{name:<16}{m['ndcg@10']:>9.3f}{m['recall@10']:>11.3f}{m['mrr']:>8.3f}{m['p@1']:>8.3f}"

    lines = [
        f"matching benchmark: {report['queries']} demands, {report['documents']} profiles, "
        f"backend {report['backend']}, model {report['model']}",
        f"{'ranker':<16}{'nDCG@10':>9}{'Recall@10':>11}{'MRR':>8}{'P@1':>8}",
        row("hybrid", report),
        *(row(name, m) for name, m in report["ablations"].items()),
        row(f"hybrid {report['cv']['k']}-fold", report["cv"]["held_out"]),
        f"replayed rankings equal to the production path (top 10): {report['replay_top10_agreement']}",
        f"latency per demand (embed + search + rerank): p50 {report['latency_ms_p50']} ms, "
        f"p95 {report['latency_ms_p95']} ms; indexing {report['index_seconds']} s",
        "params: " + ", ".join(f"{k}={v}" for k, v in report["params"].items()),
        "cross-validation folds (weights fitted on the other folds):",
    ]
    for fold in report["cv"]["folds"]:
        lines.append(f"  fold {fold['fold']}: {fold['queries']} demands, lexical_weight={fold['lexical_weight']}, "
                     f"domain_weight={fold['domain_weight']}, feedback_docs={fold['feedback_docs']} -> nDCG@10 {fold['ndcg@10']:.3f}, MRR {fold['mrr']:.3f}")
    lines.append("the same fit over all demands (what the shipped params should be): "
                 + ", ".join(f"{k}={v}" for k, v in report["cv"]["fitted_on_all"].items()))
    return "\n".join(lines)


@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="matchbench 目录（capabilities.jsonl, demands.jsonl, qrels.tsv）")
@click.option("--json", "json_output", is_flag=True, help="输出一个 JSON 对象")
def _matching(data_dir: Path, json_output: bool) -> None:
    """匹配质量基准：nDCG@10、Recall@10、MRR、P@1、延迟，以及消融与交叉验证。"""
    from lab.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        report = run_matching_bench(data_dir, settings, json_output)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(report, ensure_ascii=False) if json_output else format_report(report))


matching_command = click.command("matching")(_matching)

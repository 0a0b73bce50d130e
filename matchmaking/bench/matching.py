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

from matchmaking import calibration as calib
from matchmaking.coverage import COVER_Z, need_scores, propose_teams, split_needs
from matchmaking.hubness import hub_penalties
from matchmaking.matches import search_and_rank
from matchmaking.ranking import (
    CANDIDATES,
    DEFAULT_PARAMS,
    DENSE_ONLY,
    LEXICAL_ONLY,
    Candidate,
    RankerParams,
    feedback_query,
    rerank,
    with_semantic,
)

LEXICAL_GRID = (0.0, 0.1, 0.2, 0.4)
DOMAIN_GRID = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.5)
FEEDBACK_GRID = (0, 3, 5)
HUB_GRID = (0.0, 0.25, 0.5, 0.75)
CALIBRATION_DEPTH = 20  # ranked pairs per demand the strength is fitted and checked on
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
    needs: list[str] | None = None  # the demand's needs (coverage.split_needs) and their passage vectors
    need_vectors: np.ndarray | None = None


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
    return SearchDocument(
        id=row["id"],
        kind="capability",
        title=row["title"],
        body=body,
        keywords=list(row.get("keywords") or []),
        domains=list(row.get("domains") or []),
        org_kind=row.get("org_kind"),
        status="published",
        extra={"organisation": row.get("org"), "region": row.get("region")},
    )


def demand_document(row: dict):
    from matchmaking.search import SearchDocument

    return SearchDocument(
        id=row["id"],
        kind="demand",
        title=row["title"],
        body=row.get("description") or "",
        domains=[row["domain"]] if row.get("domain") else [],
        district=row.get("district"),
    )


# -- metrics ------------------------------------------------------------------------------------
def query_metrics(ranking: Sequence[str], grades: dict[str, int], k: int = 10) -> dict[str, float]:
    """nDCG@k (gain 2^grade - 1), Recall@k of grade 2, reciprocal rank of the first grade 2, P@1."""
    gains = [grades.get(doc_id, 0) for doc_id in ranking]
    dcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(gains[:k]))
    ideal = sorted(grades.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
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


def replay_ranked(run: Run, query: Query, params: RankerParams) -> list:
    """The ranking ``search_and_rank`` would give with ``params``, recomputed in memory (``Ranked`` items).

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
    return ranked


def replay(run: Run, query: Query, params: RankerParams) -> list[str]:
    return [r.id for r in replay_ranked(run, query, params)]


def evaluate(run: Run, params: RankerParams, queries: Sequence[Query] | None = None) -> list[dict[str, float]]:
    return [
        query_metrics(replay(run, q, params), run.bench.qrels.get(q.demand["id"], {}))
        for q in (run.queries if queries is None else queries)
    ]


def _objective(per_query: Sequence[dict[str, float]]) -> float:
    return float(np.mean([(m["ndcg@10"] + m["mrr"]) / 2 for m in per_query]))


def grid_points(grid: dict | None = None) -> list[RankerParams]:
    grid = grid or {}
    return [
        replace(DEFAULT_PARAMS, lexical_weight=lexical, domain_weight=domain, feedback_docs=feedback, hub_weight=hub)
        for hub in grid.get("hub_weight", HUB_GRID)
        for feedback in grid.get("feedback_docs", FEEDBACK_GRID)
        for lexical in grid.get("lexical_weight", LEXICAL_GRID)
        for domain in grid.get("domain_weight", DOMAIN_GRID)
    ]


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
        report.append(
            {
                "fold": number,
                "queries": int(test.size),
                "lexical_weight": best.lexical_weight,
                "domain_weight": best.domain_weight,
                "feedback_docs": best.feedback_docs,
                "hub_weight": best.hub_weight,
                **mean_metrics(fold_metrics),
            }
        )
    # the same procedure on every demand: what the shipped DEFAULT_PARAMS should be
    everything = fit_params(points, scored, order.tolist())
    fitted = {
        "lexical_weight": everything.lexical_weight,
        "domain_weight": everything.domain_weight,
        "feedback_docs": everything.feedback_docs,
        "hub_weight": everything.hub_weight,
    }
    return {
        "k": len(parts),
        "seed": seed,
        "grid_points": len(points),
        "held_out": mean_metrics(held_out),
        "folds": report,
        "fitted_on_all": fitted,
    }


# -- running ------------------------------------------------------------------------------------
def _progress(iterable, total: int, desc: str, show: bool):
    if not show:
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr, leave=False)


async def collect(
    bench: Bench, settings, embedder, show_progress: bool = True, params: RankerParams = DEFAULT_PARAMS
) -> Run:
    """Index the capabilities in a temporary data dir, then rank every demand the production way (timed)."""
    from matchmaking.composer import document_text
    from matchmaking.search import SearchQuery, make_backend

    with tempfile.TemporaryDirectory(prefix="bench-matching-") as scratch:
        bench_settings = settings.with_(
            data_dir=Path(scratch), model_dir=settings.models_path, meili_index_prefix=f"bench{uuid.uuid4().hex[:8]}"
        )
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

            # the demands' query vectors are the population hub penalties are measured against; each
            # demand is ranked against the *other* demands (production: the other published ones)
            texts = [document_text(demand_document(row)) for row in bench.demands]
            population = np.vstack(await embedder.aencode_queries(texts)) if texts else np.zeros((0, 1))
            ids = list(doc_vectors)
            matrix = np.vstack([doc_vectors[i] for i in ids])

            for number, row in enumerate(_progress(bench.demands, len(bench.demands), "ranking", show_progress)):
                demand = demand_document(row)
                text = document_text(demand)
                others = np.delete(population, number, axis=0)
                penalties = dict(zip(ids, hub_penalties(matrix, others).tolist()))
                started = time.perf_counter()
                ranked = await search_and_rank(
                    backend,
                    embedder,
                    text,
                    demand.domains,
                    kind="capability",
                    params=params,
                    vectors_for=lookup,
                    hub_for=lambda _candidates, p=penalties, **_: p,
                )
                elapsed = (time.perf_counter() - started) * 1000
                # the query vector and first-search candidates again, untimed, for replays
                vector = (await embedder.aencode_queries([text]))[0]
                result = await backend.search(
                    SearchQuery(text=text, vector=vector, kind="capability", limit=CANDIDATES)
                )
                candidates = [
                    Candidate(
                        id=h.id,
                        lexical=h.lexical_score,
                        semantic=h.semantic_score,
                        domains=tuple(h.document.get("domains") or ()),
                        hub=penalties.get(h.id),
                    )
                    for h in result.hits
                ]
                needs = split_needs(row.get("title") or "", row.get("description") or "")
                need_vectors = np.vstack(await embedder.aencode_passages(needs))  # as the worker stores them
                queries.append(
                    Query(row, vector, candidates, [r.id for r in ranked], elapsed, None, needs, need_vectors)
                )
        finally:
            if backend.name != "embedded":
                await backend.clear()
            await backend.close()
    return Run(bench, queries, doc_vectors, info)


def hub_share(rankings: Sequence[Sequence[str]], k: int = 10) -> dict:
    """How often the single most frequent profile appears in the top-``k`` lists (share of demands)."""
    counts: dict[str, int] = {}
    for ranking in rankings:
        for doc_id in ranking[:k]:
            counts[doc_id] = counts.get(doc_id, 0) + 1
    if not counts:
        return {"profile": None, "share": 0.0}
    top = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
    return {"profile": top[0], "share": round(top[1] / len(rankings), 4)}


def _pairs(run: Run, params: RankerParams, depth: int = CALIBRATION_DEPTH) -> list[tuple[int, float, float, int]]:
    """(query index, ranker score, cosine, grade) of each demand's first ``depth`` ranked profiles."""
    out = []
    for number, q in enumerate(run.queries):
        grades = run.bench.qrels.get(q.demand["id"], {})
        for r in replay_ranked(run, q, params)[:depth]:
            cosine = r.candidate.semantic if r.candidate.semantic is not None else 0.0
            out.append((number, r.score, float(cosine), grades.get(r.id, 0)))
    return out


def calibration_report(run: Run, params: RankerParams, folds: int = FOLDS, seed: int = SEED) -> dict:
    """Strength curves fitted on k-1 folds of demands, calibration error on the held-out fold; the
    same fit on every demand is what ``calibration.SHIPPED`` should hold. For contrast, the error of
    reading the raw cosine as a probability."""
    pairs = _pairs(run, params)
    order = np.random.default_rng(seed).permutation(len(run.queries))
    parts = [part for part in np.array_split(order, folds) if part.size]
    held: list[tuple[float, float, int]] = []
    for test in parts:
        test_set = set(test.tolist())
        train = [(sc, g) for qi, sc, _, g in pairs if qi not in test_set]
        fitted = calib.fit([sc for sc, _ in train], [g for _, g in train])
        held.extend((fitted.relevant(sc), fitted.direct(sc), g) for qi, sc, _, g in pairs if qi in test_set)
    everything = calib.fit([sc for _, sc, _, _ in pairs], [g for *_, g in pairs])
    relevant = [int(g >= 1) for *_, g in held]
    direct = [int(g >= 2) for *_, g in held]
    return {
        "pairs": len(pairs),
        "depth": CALIBRATION_DEPTH,
        "ece_relevant": round(calib.calibration_error([p for p, _, _ in held], relevant), 4),
        "ece_direct": round(calib.calibration_error([p for _, p, _ in held], direct), 4),
        "ece_raw_cosine": round(
            calib.calibration_error([c for *_, c, _ in pairs], [int(g >= 1) for *_, g in pairs]), 4
        ),
        "relevant_rate": round(float(np.mean(relevant)) if relevant else 0.0, 4),
        "fitted_on_all": {k: round(v, 4) for k, v in everything.as_dict().items()},
    }


def coverage_report(run: Run, params: RankerParams) -> dict:
    """Needs per demand, how often the best single listed profile covers them all, and what teams add."""
    orgs = {row["id"]: row.get("org") for row in run.bench.capabilities}
    n_needs, single_all, with_team, single_share, team_share, team_direct = [], 0, 0, [], [], []
    for q in run.queries:
        if q.need_vectors is None:
            continue
        ranked = replay(run, q, params)
        if q.matrix is None:
            q.matrix = np.vstack([run.doc_vectors[c.id] for c in q.candidates])
        position = {c.id: i for i, c in enumerate(q.candidates)}
        z_all = need_scores(q.need_vectors, q.matrix)
        top = ranked[:10]
        z = z_all[:, [position[i] for i in top]]
        count = z.shape[0]
        n_needs.append(count)
        best = max(int((z[:, j] >= COVER_Z).sum()) for j in range(z.shape[1])) if top else 0
        single_all += best == count
        single_share.append(best / count)
        teams = propose_teams(z, [orgs.get(i) for i in top])
        if teams:
            with_team += 1
            team_share.append(len(teams[0].covered) / count)
            grades = run.bench.qrels.get(q.demand["id"], {})
            team_direct.append(np.mean([grades.get(top[m], 0) >= 1 for m in teams[0].members]))
        else:
            team_share.append(best / count)
    total = len(n_needs) or 1
    return {
        "demands": len(n_needs),
        "needs_mean": round(float(np.mean(n_needs)) if n_needs else 0.0, 2),
        "multi_need_share": round(sum(1 for n in n_needs if n >= 2) / total, 4),
        "single_covers_all_share": round(single_all / total, 4),
        "team_proposed_share": round(with_team / total, 4),
        "needs_covered_best_single": round(float(np.mean(single_share)) if single_share else 0.0, 4),
        "needs_covered_with_teams": round(float(np.mean(team_share)) if team_share else 0.0, 4),
        "team_members_relevant_share": round(float(np.mean(team_direct)) if team_direct else 0.0, 4),
    }


def summarise(run: Run, params: RankerParams = DEFAULT_PARAMS) -> dict:
    """Metrics of the production rankings, ablations and cross-validation (replayed), latencies,
    hub share, calibration error and coverage."""
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
        "without_hub": mean_metrics(evaluate(run, replace(params, hub_weight=0.0))),
    }
    hubs = {
        "hybrid": hub_share([q.ranking for q in queries]),
        "without_hub": hub_share([replay(run, q, replace(params, hub_weight=0.0)) for q in queries]),
        "dense_only": hub_share([replay(run, q, DENSE_ONLY) for q in queries]),
    }
    return {
        **mean_metrics(production),
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 1) if latencies else 0.0,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 1) if latencies else 0.0,
        "queries": len(queries),
        "params": params.as_dict(),
        "ablations": ablations,
        "cv": cross_validate(run),
        "hub_share": hubs,
        "calibration": calibration_report(run, params),
        "coverage": coverage_report(run, params),
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
        lines.append(
            f"  fold {fold['fold']}: {fold['queries']} demands, lexical_weight={fold['lexical_weight']}, "
            f"domain_weight={fold['domain_weight']}, feedback_docs={fold['feedback_docs']}, "
            f"hub_weight={fold['hub_weight']} -> nDCG@10 {fold['ndcg@10']:.3f}, MRR {fold['mrr']:.3f}"
        )
    if "http_matches" in report:
        h = report["http_matches"]
        lines.append(
            f"GET /api/demands/{{id}}/matches?limit=10 through the HTTP app (demo, {h['demands']} demands, "
            f"{h['requests']} requests one at a time): p50 {h['p50_ms']} ms, p95 {h['p95_ms']} ms, "
            f"pending {h['pending']}, errors {h['errors']}"
        )
    lines.append(
        "the same fit over all demands (what the shipped params should be): "
        + ", ".join(f"{k}={v}" for k, v in report["cv"]["fitted_on_all"].items())
    )
    lines.append(
        "hub share (most frequent profile's share of top-10 lists): "
        + ", ".join(f"{name} {h['share']:.3f} ({h['profile']})" for name, h in report["hub_share"].items())
    )
    cal = report["calibration"]
    lines.append(
        f"calibration ({cal['pairs']} pairs, top {cal['depth']} per demand, {report['cv']['k']}-fold): "
        f"ECE P(grade>=1) {cal['ece_relevant']:.3f}, ECE P(grade=2) {cal['ece_direct']:.3f}; "
        f"raw cosine read as P(grade>=1): ECE {cal['ece_raw_cosine']:.3f}"
    )
    lines.append(
        "calibration fitted on all demands (calibration.SHIPPED): "
        + ", ".join(f"{k}={v}" for k, v in cal["fitted_on_all"].items())
    )
    cov = report["coverage"]
    lines.append(
        f"coverage: {cov['needs_mean']} needs per demand, {cov['multi_need_share']:.0%} with 2+; the best "
        f"single top-10 profile covers every need for {cov['single_covers_all_share']:.0%}; a team is "
        f"proposed for {cov['team_proposed_share']:.0%}; needs covered {cov['needs_covered_best_single']:.0%} "
        f"(best single) -> {cov['needs_covered_with_teams']:.0%} (with teams); team members graded "
        f">=1: {cov['team_members_relevant_share']:.0%}"
    )
    return "\n".join(lines)


@click.option(
    "--data",
    "data_dir",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="matchbench 目录（capabilities.jsonl, demands.jsonl, qrels.tsv）",
)
@click.option("--json", "json_output", is_flag=True, help="输出一个 JSON 对象")
@click.option(
    "--http/--no-http",
    default=True,
    show_default=True,
    help="另在演示数据上经 HTTP 测 GET /api/demands/{id}/matches 的 p50/p95",
)
@click.option("--http-port", default=0, type=click.IntRange(0, 65535), help="演示服务端口（0 = 任一空闲端口）")
def _matching(data_dir: Path, json_output: bool, http: bool, http_port: int) -> None:
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
    if http:
        from matchmaking.bench.http import matches_api_latency

        report["http_matches"] = matches_api_latency(settings, http_port, progress=lambda m: click.echo(m, err=True))
    click.echo(json.dumps(report, ensure_ascii=False) if json_output else format_report(report))


matching_command = click.command("matching")(_matching)

"""``scenario-lab bench matches --profiles N``: the matches of a demand when N profiles are published.

Measures ``matches.for_demand`` — the function ``GET /api/demands/{id}/matches`` calls after
checking the caller: the demand's stored query vector, the hybrid search for candidates (HNSW past
20,000 vectors), hub penalties against the published demands, pseudo-relevance feedback, the
relevance floor, explanations from stored sentence vectors and per-need coverage — in a temporary
data directory with its own SQLite database and embedded index; nothing of the project's data is
touched.

The N profiles are the synthetic documents of ``bench search`` (kind ``capability``, published).
``--embed-sample`` of them are embedded by the model; the others get a sampled vector plus noise (as
in ``bench search``), and their sentence vectors are noisy copies of their passage vector; all are
written to the embedding cache under the keys production reads, so no read makes a model call. The
demands are real database rows, embedded through the worker's own ``embed_for_reads``. Each demand
is asked once to warm up, then ``--rounds`` times; printed: p50/p95/max per answer, the same for
the first asks (round 0: the memos kept per index generation — population, nearest rows, filtered
rowids, decoded documents — start empty), how many items an answer held, and how many answers were
degraded or pending (both should be 0).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from matchmaking.bench.search import synthetic_docs
from matchmaking.composer import document_text
from matchmaking.vector_cache import body_sentences, embed_for_reads, passage_key, save

ROWS_PER_INSERT = 5000


def _pct(samples: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(samples) * 1000, p))


async def _cache(embedder, keyed: dict[str, np.ndarray]) -> None:
    items = list(keyed.items())
    for start in range(0, len(items), ROWS_PER_INSERT):
        await save(embedder, items[start : start + ROWS_PER_INSERT])


async def _demands(count: int):
    from lab.models import Demand, DemandStatus, Organisation, OrgKind

    department = await Organisation.create(kind=OrgKind.DEPARTMENT, name="成都市基准测试局", district="武侯区")
    made = []
    for doc in synthetic_docs(count, seed=23):
        made.append(
            await Demand.create(
                organisation=department,
                title=doc.title[:120],
                description=doc.body,
                domain=doc.domains[0],
                district=doc.district,
                status=DemandStatus.PUBLISHED,
            )
        )
    return await Demand.filter(id__in=[d.id for d in made]).select_related("organisation").order_by("id")


async def run_matches_bench(
    assembly, n_profiles: int, n_demands: int = 40, embed_sample: int = 1000, rounds: int = 3, progress=print
) -> str:
    from matchmaking import matches
    from matchmaking.indexing import demand_document

    settings = assembly.settings()
    with tempfile.TemporaryDirectory(prefix="lab-bench-matches-") as scratch:
        bench_settings = settings.with_(
            data_dir=Path(scratch),
            database_url=f"sqlite://{Path(scratch) / 'bench.sqlite3'}",
            model_dir=settings.models_path,
            search_backend="embedded",
        )
        progress("创建临时数据库 …")
        await assembly.migrate(bench_settings)
        async with assembly.opened(bench_settings) as runtime:
            embedder, service = runtime.embedder, runtime.search
            progress("加载模型 …")
            await embedder.aload()
            backend = await service.backend()
            lines = [
                f"# bench matches: {n_profiles} published profiles, {n_demands} demands, model {embedder.model_id}"
            ]

            docs = synthetic_docs(n_profiles)
            for number, doc in enumerate(docs):
                doc.kind, doc.status, doc.organisation_id = "capability", "published", str(100_000 + number % 500)
            sample = min(max(1, embed_sample), n_profiles)
            progress(f"向量化 {sample} 份能力 …")
            started = time.perf_counter()
            real = await embedder.aencode_passages([document_text(d) for d in docs[:sample]])
            lines.append(
                f"embedded {sample} profiles in {time.perf_counter() - started:.1f} s; the rest: sample + noise"
            )
            rng = np.random.default_rng(5)
            vectors = np.empty((n_profiles, real.shape[1]), dtype=np.float32)
            vectors[:sample] = real
            if sample < n_profiles:
                base = real[rng.integers(sample, size=n_profiles - sample)]
                noisy = base + rng.normal(scale=0.02, size=base.shape).astype(np.float32)
                vectors[sample:] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)

            progress("写入向量缓存（段落与句子）…")
            started = time.perf_counter()
            keyed: dict[str, np.ndarray] = {}
            for doc, vector in zip(docs, vectors):
                doc.vector = vector
                keyed[passage_key(embedder, document_text(doc))] = vector
                for sentence in body_sentences(doc.body):
                    jitter = vector + rng.normal(scale=0.03, size=vector.shape).astype(np.float32)
                    keyed.setdefault(passage_key(embedder, sentence), jitter / np.linalg.norm(jitter))
            await _cache(embedder, keyed)
            progress("写入索引 …")
            for start in range(0, n_profiles, 1000):
                await backend.upsert(docs[start : start + 1000])
            lines.append(f"cache ({len(keyed)} vectors) and index written in {time.perf_counter() - started:.1f} s")

            progress(f"创建并向量化 {n_demands} 条需求 …")
            demands = await _demands(n_demands)
            demand_docs = [demand_document(d) for d in demands]
            await embed_for_reads(demand_docs, embedder)
            await backend.upsert(demand_docs)
            started = time.perf_counter()
            await backend.warm()
            lines.append(f"index warm (vectors loaded, HNSW built past 20,000): {time.perf_counter() - started:.1f} s")

            calls_before = embedder.calls
            first: list[float] = []  # round 0: each demand's first ask (the per-generation memos still empty)
            samples: list[float] = []
            sizes: list[int] = []
            degraded = pending = 0
            for round_number in range(rounds + 1):
                progress(f"第 {round_number} 轮（0 为预热）…")
                for demand in demands:
                    started = time.perf_counter()
                    found = await matches.for_demand(
                        service, demand, limit=10, exclude_orgs={demand.organisation_id}, deep=True
                    )
                    elapsed = time.perf_counter() - started
                    if not round_number:
                        first.append(elapsed)
                    else:
                        samples.append(elapsed)
                        sizes.append(len(found.items))
                        degraded += found.degraded
                        pending += found.pending
            lines.append(
                f"matches.for_demand(limit=10, explained, coverage), {len(samples)} answers: "
                f"p50 {_pct(samples, 50):.1f} ms   p95 {_pct(samples, 95):.1f} ms   max {max(samples) * 1000:.1f} ms"
            )
            lines.append(
                f"first ask of each demand (round 0, memos cold): p50 {_pct(first, 50):.1f} ms   "
                f"p95 {_pct(first, 95):.1f} ms   max {max(first) * 1000:.1f} ms"
            )
            lines.append(
                f"items per answer: min {min(sizes)}, mean {np.mean(sizes):.1f}; degraded {degraded}, pending {pending}; "
                f"model calls while answering: {embedder.calls - calls_before}"
            )
    return "\n".join(lines)

"""``scenario-lab bench search --docs N``: the embedded engine on N synthetic Chinese documents.

Prints: the raw model encode rate; ingest documents/s without vectors, with (precomputed) vectors,
and end to end with embedding (measured on ``embed_sample`` documents, extrapolated as
1 / (1/encode rate + 1/upsert rate) when the sample is smaller than N); query latency p50/p95 for
lexical, vector and hybrid search (with domain facets); peak RSS. Documents beyond the sample get
vectors made from sampled ones plus noise, so vector search runs on N realistic-looking vectors.
Runs in a temporary directory; nothing of the project's data is touched.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import numpy as np

from lab.domains import DISTRICTS, DOMAINS
from matchmaking.composer import document_text
from matchmaking.search import SearchDocument, SearchQuery
from matchmaking.search.embedded import EmbeddedBackend
from matchmaking.search.segment import segmented

OBJECTS = [
    "信号灯",
    "公交专用道",
    "停车位",
    "易涝点",
    "排水管网",
    "河道水质",
    "渣土车",
    "占道经营",
    "独居老人",
    "社区食堂",
    "高层建筑",
    "电动自行车",
    "燃气管道",
    "森林火情",
    "景区客流",
    "政务热线",
    "视频监控",
    "充电桩",
    "建筑能耗",
    "城市部件",
    "数据资源目录",
    "网络攻击",
    "农产品溯源",
    "食品安全",
    "工地扬尘",
]
ACTIONS = [
    "实时监测",
    "智能识别",
    "提前预警",
    "协同调度",
    "精准治理",
    "趋势分析",
    "自动巡检",
    "快速处置",
    "统一管理",
    "在线评估",
    "风险研判",
    "闭环督办",
]
MEANS = [
    "视觉大模型",
    "物联网传感器",
    "北斗定位",
    "数字孪生",
    "知识图谱",
    "边缘计算",
    "无人机",
    "大数据分析",
    "5G专网",
    "区块链存证",
]
GOALS = ["减少人工巡查", "缩短响应时间", "降低事故发生率", "提升群众满意度", "打通部门数据壁垒", "实现一网统管"]
KINDS = ("demand", "capability", "scenario")


def synthetic_docs(n: int, seed: int = 7) -> list[SearchDocument]:
    rng = np.random.default_rng(seed)
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    docs = []
    for i in range(n):
        obj, act, means, goal = pick(OBJECTS), pick(ACTIONS), pick(MEANS), pick(GOALS)
        district = pick(DISTRICTS)
        domains = list(dict.fromkeys([pick(DOMAINS), pick(DOMAINS)]))[: int(rng.integers(1, 3))]
        title = f"{district}{obj}{act}" + ("需求" if i % 3 == 0 else "平台")
        body = (
            f"面向{district}的{obj}管理，利用{means}对{obj}进行{act}，{goal}。"
            f"要求与现有{pick(OBJECTS)}系统对接，支持{pick(ACTIONS)}和{pick(MEANS)}。"
        )
        docs.append(
            SearchDocument(
                id=str(i),
                kind=KINDS[i % 3],
                title=title,
                body=body,
                keywords=[obj, means],
                domains=domains,
                district=district,
                org_kind=pick(["department", "enterprise", "university"]),
                status="published",
                year=int(rng.integers(2021, 2026)),
                organisation_id=str(i % 500),
            )
        )
    return docs


def synthetic_queries(n: int, seed: int = 11) -> list[str]:
    rng = np.random.default_rng(seed)
    pick = lambda seq: seq[int(rng.integers(len(seq)))]  # noqa: E731
    forms = [
        lambda: f"{pick(OBJECTS)}{pick(ACTIONS)}",
        lambda: f"用{pick(MEANS)}{pick(ACTIONS)}{pick(OBJECTS)}",
        lambda: f"{pick(DISTRICTS)}{pick(OBJECTS)}",
        lambda: f"如何{pick(GOALS)}",
    ]
    return [forms[i % len(forms)]() for i in range(n)]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _pct(samples: list[float]) -> str:
    ms = np.asarray(samples) * 1000
    return f"p50 {np.percentile(ms, 50):7.1f} ms   p95 {np.percentile(ms, 95):7.1f} ms"


async def _ingest(backend, docs, batch: int = 1000) -> float:
    start = time.perf_counter()
    for i in range(0, len(docs), batch):
        await backend.upsert(docs[i : i + batch])
    return len(docs) / (time.perf_counter() - start)


async def run_bench(settings, n_docs: int, n_queries: int = 200, embed_sample: int = 2000, progress=print) -> str:
    from matchmaking.embedder import Embedder

    embedder = Embedder(settings)
    progress("加载模型 …")
    await embedder.aload()
    dim = embedder.dimension
    rss_model = _peak_mb()
    segmented("预热分词")  # load jieba's dictionary outside the timings
    docs = synthetic_docs(n_docs)
    queries = synthetic_queries(n_queries)
    sample = n_docs if embed_sample == 0 else min(embed_sample, n_docs)
    lines = [
        f"# bench search: {n_docs} docs, {n_queries} queries, model {embedder.model_id} ({dim}d), embedded backend"
    ]

    progress(f"向量化 {sample} 篇 …")
    texts = [document_text(d) for d in docs[:sample]]
    start = time.perf_counter()
    sample_vectors = await embedder.aencode_passages(texts)
    encode_rate = sample / (time.perf_counter() - start)
    avg_chars = sum(map(len, texts)) / len(texts)
    lines.append(
        f"model encode (passages, batch 32, avg {avg_chars:.0f} chars): {encode_rate:8.1f} docs/s  [{sample} measured]"
    )

    rng = np.random.default_rng(3)
    vectors = np.empty((n_docs, dim), dtype=np.float32)
    vectors[:sample] = sample_vectors
    if sample < n_docs:
        base = sample_vectors[rng.integers(sample, size=n_docs - sample)]
        noisy = base + rng.normal(scale=0.02, size=base.shape).astype(np.float32)
        vectors[sample:] = noisy / np.linalg.norm(noisy, axis=1, keepdims=True)

    with tempfile.TemporaryDirectory(prefix="lab-bench-") as tmp:
        plain = EmbeddedBackend(Path(tmp) / "plain", dim)
        progress("写入（无向量）…")
        rate_plain = await _ingest(plain, docs)
        await plain.close()
        lines.append(f"ingest without vectors:            {rate_plain:8.1f} docs/s")

        for doc, vec in zip(docs, vectors):
            doc.vector = vec
        backend = EmbeddedBackend(Path(tmp) / "hybrid", dim)
        progress("写入（含向量）…")
        rate_vec = await _ingest(backend, docs)
        end_to_end = 1.0 / (1.0 / encode_rate + 1.0 / rate_vec)
        how = "measured encode + upsert" if sample == n_docs else f"encode rate from {sample} docs, extrapolated"
        lines.append(f"ingest with precomputed vectors:   {rate_vec:8.1f} docs/s")
        lines.append(f"ingest with embedding (end to end): {end_to_end:7.1f} docs/s  [{how}]")
        size_mb = sum(p.stat().st_size for p in (Path(tmp) / "hybrid").rglob("*") if p.is_file()) / 2**20
        lines.append(f"index on disk: {size_mb:.0f} MB")

        progress("编码查询 …")
        start = time.perf_counter()
        qvecs = await embedder.aencode_queries(queries)
        lines.append(f"query encode: {(time.perf_counter() - start) / len(queries) * 1000:.1f} ms/query (batched)")
        exact = EmbeddedBackend(Path(tmp) / "hybrid", dim, ann_threshold=10**9)  # same files, NumPy only
        start = time.perf_counter()
        await exact.warm()
        lines.append(f"load {n_docs} vectors from disk: {time.perf_counter() - start:.2f} s")
        samples = []
        for v in qvecs:
            start = time.perf_counter()
            await exact.search(SearchQuery("", vector=v, limit=10, facets=["domains"]))
            samples.append(time.perf_counter() - start)
        lines.append(f"query vector, exact NumPy: {_pct(samples)}")
        await exact.close()
        start = time.perf_counter()
        await backend.warm()
        if n_docs >= 20_000:
            lines.append(
                f"HNSW (usearch) build over {n_docs} vectors: {time.perf_counter() - start:.1f} s "
                "(background on first use; exact answers meanwhile; saved on close)"
            )
        ann = "HNSW" if n_docs >= 20_000 else "exact"
        for label, make in (
            ("lexical", lambda q, v: SearchQuery(q, limit=10, facets=["domains"])),
            (f"vector ({ann})", lambda q, v: SearchQuery("", vector=v, limit=10, facets=["domains"])),
            ("hybrid ", lambda q, v: SearchQuery(q, vector=v, semantic_ratio=0.5, limit=10, facets=["domains"])),
            (
                "hybrid, kind+district filter",
                lambda q, v: SearchQuery(
                    q, vector=v, kind="demand", limit=10, filters={"district": "武侯区"}, facets=["domains"]
                ),
            ),
        ):
            progress(f"查询 {label.strip()} …")
            samples = []
            for q, v in zip(queries, qvecs):
                start = time.perf_counter()
                await backend.search(make(q, v))
                samples.append(time.perf_counter() - start)
            lines.append(f"query {label}: {_pct(samples)}")
        await backend.close()
    lines.append(f"peak RSS: {_peak_mb():.0f} MB (after model load: {rss_model:.0f} MB)")
    return "\n".join(lines)

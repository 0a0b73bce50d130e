"""Why a profile matches a demand, in words a person can read (Chinese).

An explanation holds the key terms the two texts share, weighted (jieba words, tf-idf style with
jieba's bundled IDF table), the domains they have in common, the sentence of the profile that best
answers the demand (highest cosine between the demand's query vector and the sentence's passage
vector, or, without vectors, the sentence holding the most shared-term weight), and the component
scores of the ranking. ``explain`` is pure; ``explain_with_embedder`` embeds the sentences first.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from matchmaking.terms import corpus_idf, is_filler
from matchmaking.tokenizer import jieba_tokenizer

MAX_TERMS = 8
TERMS_CACHE = 8192  # texts whose cut is remembered (a few MB)
MAX_SENTENCE_CHARS = 160
SCORE_LABELS = {"semantic": "语义相似度", "lexical": "关键词匹配", "score": "综合得分"}  # for the JSON "scores" only

_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])|\n+")
_HAS_WORD = re.compile(r"[\u3400-\u9fffA-Za-z]")
# jieba.analyse's KeywordExtractor.STOP_WORDS
JIEBA_STOP_WORDS = frozenset(
    {
        "the",
        "of",
        "is",
        "and",
        "to",
        "in",
        "that",
        "we",
        "for",
        "an",
        "are",
        "by",
        "be",
        "as",
        "on",
        "with",
        "can",
        "if",
        "from",
        "which",
        "you",
        "it",
        "this",
        "then",
        "at",
        "have",
        "all",
        "not",
        "one",
        "has",
        "or",
    }
)
_lock = threading.Lock()
_state: dict[str, Any] = {}


@dataclass(frozen=True)
class Explanation:
    shared_terms: list[tuple[str, float]]
    shared_domains: list[str]
    best_sentence: str | None
    best_sentence_score: float | None
    scores: dict[str, float] = field(default_factory=dict)
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "shared_terms": [{"term": t, "weight": w} for t, w in self.shared_terms],
            "shared_domains": list(self.shared_domains),
            "best_sentence": self.best_sentence,
            "best_sentence_score": self.best_sentence_score,
            "scores": dict(self.scores),
            "text": self.text,
        }


def _resources():
    """The process's jieba tokenizer, jieba's IDF table and stop words, loaded once on first use."""
    if not _state:
        with _lock:
            if not _state:
                import jieba

                # jieba's IDF table read here (importing jieba.analyse builds a TFIDF that leaves the file open)
                idf_table = _idf_table(str(Path(jieba.__file__).parent / "analyse" / "idf.txt"))
                median = sorted(idf_table.values())[len(idf_table) // 2]
                _state.update(
                    tokenizer=jieba_tokenizer(),
                    idf=idf_table,
                    median=median,
                    stop=JIEBA_STOP_WORDS
                    | {
                        "以及",
                        "进行",
                        "实现",
                        "提供",
                        "需要",
                        "希望",
                        "能够",
                        "可以",
                        "通过",
                        "相关",
                        "我们",
                        "目前",
                        "问题",
                        "工作",
                        "情况",
                    },
                )
    return _state


def warm() -> None:
    """Load jieba's dictionary, its IDF table and the stop words now (about a second, once per
    process) rather than in the first request that explains a match."""
    _resources()
    terms("预热")


def _idf_table(path: str) -> dict[str, float]:
    """jieba's bundled IDF table (read here, and closed: ``jieba.analyse.TFIDF`` leaves the file open)."""
    with open(path, "rb") as handle:
        lines = handle.read().decode("utf-8").splitlines()
    table = {}
    for line in lines:
        if line.strip():
            word, freq = line.strip().split(" ")
            table[word] = float(freq)
    return table


def raw_terms(text: str) -> list[str]:
    """Words of ``text``: jieba's precise cut, plus the dictionary words that begin or end a word of
    four characters or more (数据安全 also counts as 数据 and 安全); two characters or more.
    Remembered per text (``TERMS_CACHE`` texts): a matches answer cuts the same query and the same
    stored documents again and again, and the cut was a third of its time."""
    return list(_cut(text or ""))


@functools.lru_cache(maxsize=TERMS_CACHE)
def _cut(text: str) -> tuple[str, ...]:
    tokenizer = _resources()["tokenizer"]
    out: list[str] = []
    for word in tokenizer.cut(text):
        word = word.strip().lower()
        pieces = [word]
        if len(word) >= 4:
            pieces += [
                p for p in tokenizer.cut_for_search(word) if p != word and (word.startswith(p) or word.endswith(p))
            ]
        out.extend(p for p in pieces if len(p) >= 2 and _HAS_WORD.search(p))
    return tuple(out)


def terms(text: str) -> Counter:
    """Content words of ``text`` (``raw_terms``) without stop words and filler words (``terms.is_filler``:
    the trade's filler, or a word in more than a fifth of the corpus). Remembered per text like the
    cut (the stop words and the corpus table are fixed for the process)."""
    return Counter(dict(_content_terms(text or "")))


@functools.lru_cache(maxsize=TERMS_CACHE)
def _content_terms(text: str) -> tuple[tuple[str, int], ...]:
    res = _resources()
    return tuple(Counter(p for p in _cut(text) if p not in res["stop"] and not is_filler(p)).items())


def idf(term: str, table: Mapping[str, float] | None = None) -> float:
    """How distinctive ``term`` is: the given table's value, else the corpus IDF (``terms.corpus_idf``)."""
    res = _resources()
    if table is not None:
        return float(table.get(term, res["median"]))
    return corpus_idf(term, float(res["idf"].get(term, res["median"])))


def shared_terms(
    query_text: str, document_text: str, limit: int = MAX_TERMS, idf_table: Mapping[str, float] | None = None
) -> list[tuple[str, float]]:
    """Terms in both texts, weighted idf × sqrt(tf_query × tf_document), scaled so the top one is 1.

    A term contained in a heavier shared term (内涝 inside 城市内涝) is left out.
    """
    query, document = terms(query_text), terms(document_text)
    weights = {t: idf(t, idf_table) * math.sqrt(query[t] * document[t]) for t in query.keys() & document.keys()}
    chosen: list[tuple[str, float]] = []
    for term, weight in sorted(weights.items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0])):
        if any(term in kept for kept, _ in chosen):
            continue
        chosen.append((term, weight))
        if len(chosen) == limit:
            break
    top = chosen[0][1] if chosen else 1.0
    return [(t, round(w / top, 3)) for t, w in chosen]


def split_sentences(text: str) -> list[str]:
    """Sentences of a profile (split after 。！？； and at line breaks), trimmed, empty ones dropped."""
    return [s.strip() for s in _SENTENCE_END.split(text or "") if s and s.strip() and _HAS_WORD.search(s)]


def best_sentence(query_vector: np.ndarray, sentence_vectors: np.ndarray) -> tuple[int, float]:
    """Index and cosine of the sentence vector closest to the query vector (both normalised)."""
    sims = np.asarray(sentence_vectors, dtype=np.float32) @ np.asarray(query_vector, dtype=np.float32)
    index = int(np.argmax(sims))
    return index, float(sims[index])


def best_sentence_by_terms(sentences: Sequence[str], weighted: Sequence[tuple[str, float]]) -> tuple[int, float]:
    """Without vectors: the sentence holding the most shared-term weight (the first on ties)."""
    scores = [sum(w for t, w in weighted if t in s.lower()) for s in sentences]
    index = int(np.argmax(scores)) if scores else 0
    return index, float(scores[index]) if scores else 0.0


def _clip(sentence: str) -> str:
    return sentence if len(sentence) <= MAX_SENTENCE_CHARS else sentence[: MAX_SENTENCE_CHARS - 1] + "…"


def summary_text(
    terms_: Sequence[tuple[str, float]],
    domains: Sequence[str],
    sentence: str | None,
    sentence_score: float | None,
    scores: Mapping[str, float],
) -> str:
    parts = []
    if terms_:
        parts.append("共同关键词：" + "、".join(f"「{t}」" for t, _ in terms_))
    if domains:
        parts.append("同属领域：" + "、".join(domains))
    if sentence:
        parts.append(f"最相关的能力描述：“{_clip(sentence)}”")
    # raw cosines and z-scores bunch and mislead (0.90–0.97 for weak matches): the only number a
    # person sees is the calibrated 匹配度 (calibration.py), which the caller adds
    return "；".join(parts) + "。" if parts else "没有找到明显的共同点。"


def explain(
    query_text: str,
    document_text: str,
    *,
    query_domains: Iterable[str] = (),
    document_domains: Iterable[str] = (),
    sentences: Sequence[str] | None = None,
    query_vector: np.ndarray | None = None,
    sentence_vectors: np.ndarray | None = None,
    scores: Mapping[str, float] | None = None,
    idf_table: Mapping[str, float] | None = None,
) -> Explanation:
    """Explain one match. ``sentences`` default to the sentences of ``document_text``; give
    ``query_vector`` (query prompt) and ``sentence_vectors`` (passage prompt, same order) to pick the
    best sentence by meaning, otherwise it is picked by shared terms."""
    weighted = shared_terms(query_text, document_text, idf_table=idf_table)
    wanted = [d for d in dict.fromkeys(query_domains) if d]
    have = set(document_domains)
    domains = [d for d in wanted if d in have]
    sentences = list(split_sentences(document_text) if sentences is None else sentences)
    sentence, sentence_score = None, None
    if sentences:
        if query_vector is not None and sentence_vectors is not None and len(sentence_vectors) == len(sentences):
            index, sentence_score = best_sentence(query_vector, sentence_vectors)
            sentence_score = round(sentence_score, 4)
        else:
            index, _ = best_sentence_by_terms(sentences, weighted)
        sentence = sentences[index]
    clean_scores = {k: round(float(v), 4) for k, v in (scores or {}).items() if v is not None}
    return Explanation(
        weighted,
        domains,
        sentence,
        sentence_score,
        clean_scores,
        summary_text(weighted, domains, sentence, sentence_score, clean_scores),
    )


async def explain_with_embedder(
    embedder,
    query_text: str,
    document_text: str,
    *,
    query_domains: Iterable[str] = (),
    document_domains: Iterable[str] = (),
    scores: Mapping[str, float] | None = None,
    sentences: Sequence[str] | None = None,
    query_vector: np.ndarray | None = None,
) -> Explanation:
    """``explain`` with the sentences (default: of ``document_text``; pass the profile summary's for
    a cleaner pick) embedded with the passage prompt, in a worker thread."""
    sentences = list(split_sentences(document_text) if sentences is None else sentences)
    vectors = await embedder.aencode_passages(sentences) if sentences else None
    if query_vector is None and sentences:
        query_vector = (await embedder.aencode_queries([query_text]))[0]
    return explain(
        query_text,
        document_text,
        query_domains=query_domains,
        document_domains=document_domains,
        sentences=sentences,
        query_vector=query_vector,
        sentence_vectors=vectors,
        scores=scores,
    )

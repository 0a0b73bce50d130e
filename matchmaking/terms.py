"""How distinctive a word is in this field: IDF over a corpus of demands, profiles and scenarios,
and the filler words an explanation never shows.

jieba's bundled IDF table is fitted on general Chinese text, where 推送, 自动, 形成 or 管理 are rare
enough to look distinctive; in smart-city procurement they are in nearly every text. The table
shipped here (``data/term_idf.json``) holds document frequencies over the bundled corpus (the matchbench profiles and demands and the demo scenarios); it is rebuilt
with ``python -m matchmaking.terms`` (which prints the corpus size); a term's IDF is the smoothed
``log((N + 1) / (df + 1)) + 1``. A term that is in more than
``COMMON_SHARE`` of the corpus's texts, or in ``FILLER``, is not a key term.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path

COMMON_SHARE = 0.2
TABLE = "term_idf.json"

# verbs and nouns of the trade that say nothing about what is asked or offered
FILLER = frozenset(
    {
        "推送",
        "自动",
        "形成",
        "管理",
        "实现",
        "提供",
        "支持",
        "系统",
        "平台",
        "服务",
        "能力",
        "进行",
        "开展",
        "建设",
        "提升",
        "提高",
        "加强",
        "相关",
        "以及",
        "通过",
        "需要",
        "希望",
        "能够",
        "可以",
        "目前",
        "问题",
        "工作",
        "情况",
        "一个",
        "一体",
        "一体化",
        "智能",
        "智慧",
        "数字",
        "数字化",
        "信息",
        "信息化",
        "数据",
        "功能",
        "方案",
        "项目",
        "应用",
        "场景",
        "解决",
        "帮助",
        "基于",
        "利用",
        "结合",
        "包括",
        "主要",
        "有效",
        "及时",
        "快速",
        "全面",
        "统一",
        "综合",
        "整体",
        "多个",
        "各类",
        "不同",
        "部门",
        "单位",
        "企业",
        "工作人员",
        "人员",
        "用户",
        "日常",
        "现有",
        "预算",
        "万元",
        "左右",
        "约",
        "以上",
        "以下",
        "每年",
        "今年",
        "去年",
        "已经",
        "没有",
        "不能",
        "不够",
        "难以",
        "平均",
        "时间",
        "分钟",
        "小时",
        "缩短",
        "下降",
        "减少",
        "生成",
        "同时",
        "一年",
        "完成",
        "记录",
        "运行",
        "使用",
        "采用",
        "落地",
        "上线",
        "覆盖",
        "涉及",
        "对接",
        "接入",
        "自动化",
        "实时",
    }
)

_lock = threading.Lock()
_table: dict[str, object] = {}


def document_frequencies(tokenised: Iterable[Iterable[str]]) -> tuple[int, dict[str, int]]:
    """Number of texts and, per term, the number of texts it occurs in."""
    df: dict[str, int] = {}
    n = 0
    for words in tokenised:
        n += 1
        for word in set(words):
            df[word] = df.get(word, 0) + 1
    return n, df


def corpus_table() -> dict[str, object]:
    """The shipped table: ``{"documents": N, "df": {term: number of texts}}``, loaded once."""
    if not _table:
        with _lock:
            if not _table:
                raw = resources.files("matchmaking.data").joinpath(TABLE).read_text(encoding="utf-8")
                _table.update(json.loads(raw))
    return _table


def is_filler(term: str, table: Mapping[str, object] | None = None) -> bool:
    """A filler word, or a term in more than ``COMMON_SHARE`` of the corpus's texts."""
    if term in FILLER:
        return True
    table = corpus_table() if table is None else table
    n = int(table.get("documents") or 0)
    df = (table.get("df") or {}).get(term, 0)
    return n > 0 and df / n > COMMON_SHARE


def corpus_idf(term: str, fallback: float, table: Mapping[str, object] | None = None) -> float:
    """The corpus IDF of ``term``; a term the corpus never saw is as rare as can be (its IDF for df 0),
    unless the general table ``fallback`` says it is commoner."""
    table = corpus_table() if table is None else table
    n = int(table.get("documents") or 0)
    if not n:
        return fallback
    df = (table.get("df") or {}).get(term)
    if df is not None:
        return math.log((n + 1) / (df + 1)) + 1.0
    unseen = math.log(n + 1) + 1.0
    return min(unseen, fallback) if fallback > 0 else unseen


def _bundled_texts() -> list[str]:
    from matchmaking.composer import compose

    texts: list[str] = []
    for package, name in (
        ("lab.data.matchbench", "capabilities.jsonl"),
        ("lab.data.matchbench", "demands.jsonl"),
        ("pipeline.data.demo", "reserve_list_2023.jsonl"),
        ("pipeline.data.demo", "featured.jsonl"),
        ("pipeline.data.demo", "national_cases.jsonl"),
    ):
        with resources.files(package).joinpath(name).open(encoding="utf-8") as handle:
            for line in handle:
                if line.strip():
                    row = json.loads(line)
                    texts.append(
                        compose(
                            row.get("title") or "",
                            row.get("summary") or row.get("description") or "",
                            keywords=row.get("keywords") or [],
                        )
                    )
    return texts


def build(out: Path) -> dict[str, object]:
    """Rebuild the shipped table from the bundled corpus (terms as ``explain.terms`` cuts them)."""
    from matchmaking.explain import raw_terms

    texts = _bundled_texts()
    n, df = document_frequencies(raw_terms(t) for t in texts)
    table = {"documents": n, "df": df}
    out.write_text(json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    return table


if __name__ == "__main__":  # python -m matchmaking.terms
    target = Path(__file__).with_name("data") / TABLE
    built = build(target)
    print(f"{target}: {built['documents']} texts, {len(built['df'])} terms")
